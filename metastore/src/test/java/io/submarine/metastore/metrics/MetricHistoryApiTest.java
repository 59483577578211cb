package io.submarine.metastore.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.submarine.metastore.ApiSuite;
import io.submarine.metastore.TestDatabase;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Metric points: stored once from reports, served back by step, thinned. On each {@link TestDatabase}. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class MetricHistoryApiTest extends ApiSuite {

    @Test
    void metricPointsAreStoredOnceAndServedBackThinned() throws Exception {
        StringBuilder points = new StringBuilder("{\"points\":[");
        for (int step = 0; step < 100; step++) {
            points.append(step == 0 ? "" : ",").append("{\"key\":\"loss\",\"value\":").append(1.0 / (step + 1)).append(",\"step\":").append(step)
                    .append(",\"timestamp\":").append(1_700_000_000_000L + step).append("}");
        }
        points.append("]}");
        String body = report("metrics-pod", points.toString());
        assertThat(post("/api/v1/reports/metric-points", REPORTER, "points-1", body).statusCode()).isEqualTo(201);
        assertThat(post("/api/v1/reports/metric-points", REPORTER, "points-1", body).statusCode()).as("retry adds nothing").isEqualTo(200);

        String history = "/api/v1/metrics/history?ownerKind=experiment&ownerName=resnet&key=loss";
        JsonNode all = JSON.readTree(get(history, READER).body()).path("points");
        assertThat(all).hasSize(100);
        assertThat(all.get(99).path("step").asLong()).isEqualTo(99);
        JsonNode thinned = JSON.readTree(get(history + "&maxPoints=10", READER).body()).path("points");
        assertThat(thinned).hasSize(10);
        assertThat(thinned.get(0).path("step").asLong()).isZero();
        assertThat(thinned.get(9).path("step").asLong()).isEqualTo(99);
        JsonNode range = JSON.readTree(get(history + "&fromStep=10&toStep=19", READER).body()).path("points");
        assertThat(range).hasSize(10);

        assertThat(post("/api/v1/reports/metric-points", REPORTER, "points-bad", report("metrics-pod", "{\"points\":[{\"key\":\"loss\"}]}"))
                .statusCode()).isEqualTo(400);
        assertThat(get("/api/v1/metrics/history?ownerKind=experiment", READER).statusCode()).isEqualTo(400);
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(url("/metrics"))).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("metastore_reports_total{duplicate=\"true\",kind=\"metric-points\"}", "metastore_metric_points_total");
    }
}
