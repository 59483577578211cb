package io.submarine.metastore.resources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.submarine.metastore.ApiSuite;
import io.submarine.metastore.TestDatabase;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The resources users manage: CRUD with ETags, lists filtered on spec fields and sorted. On each {@link TestDatabase}. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class ResourcesApiTest extends ApiSuite {

    @Test
    void resourcesHaveCrudWithOptimisticConcurrency() throws Exception {
        String envs = "/api/v1/resources/environments";
        HttpResponse<String> created = send("POST", envs, ADMIN, null, "{\"name\":\"tf-2.15\",\"spec\":{\"dockerImage\":\"tf:2.15\",\"pip\":[\"numpy\"]}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.headers().firstValue("ETag")).contains("\"1\"");
        assertThat(send("POST", envs, ADMIN, null, "{\"name\":\"tf-2.15\",\"spec\":{\"dockerImage\":\"x\"}}").statusCode()).isEqualTo(409);

        HttpResponse<String> read = send("GET", envs + "/tf-2.15", READER, null, null);
        assertThat(JSON.readTree(read.body()).path("spec").path("pip").get(0).asText()).isEqualTo("numpy");
        String etag = read.headers().firstValue("ETag").orElseThrow();

        String change = "{\"spec\":{\"dockerImage\":\"tf:2.15.1\"}}";
        assertThat(send("PUT", envs + "/tf-2.15", ADMIN, null, change).statusCode()).as("no If-Match").isEqualTo(428);
        HttpResponse<String> updated = send("PUT", envs + "/tf-2.15", ADMIN, etag, change);
        assertThat(updated.statusCode()).isEqualTo(200);
        assertThat(updated.headers().firstValue("ETag")).contains("\"2\"");
        HttpResponse<String> stale = send("PUT", envs + "/tf-2.15", ADMIN, etag, "{\"spec\":{\"dockerImage\":\"lost-update\"}}");
        assertThat(stale.statusCode()).isEqualTo(412);
        assertThat(JSON.readTree(send("GET", envs + "/tf-2.15", READER, null, null).body()).path("spec").path("dockerImage").asText()).isEqualTo("tf:2.15.1");

        assertThat(send("POST", envs, READER, null, "{\"name\":\"x\",\"spec\":{\"dockerImage\":\"x\"}}").statusCode()).as("reader may not write").isEqualTo(403);
        assertThat(send("POST", envs, ADMIN, null, "{\"name\":\"no-image\",\"spec\":{}}").statusCode()).isEqualTo(400);
        assertThat(send("POST", envs, ADMIN, null, "{\"name\":\"Bad Name\",\"spec\":{\"dockerImage\":\"x\"}}").statusCode()).isEqualTo(400);
        assertThat(send("POST", "/api/v1/resources/model-versions", ADMIN, null,
                "{\"name\":\"resnet-1\",\"spec\":{\"model\":\"resnet\",\"uri\":\"s3://m/resnet/1\"}}").statusCode()).as("unregistered model").isEqualTo(404);
        assertThat(send("POST", "/api/v1/resources/registered-models", ADMIN, null, "{\"name\":\"resnet\",\"spec\":{}}").statusCode()).isEqualTo(201);
        assertThat(send("POST", "/api/v1/resources/model-versions", ADMIN, null,
                "{\"name\":\"resnet-1\",\"spec\":{\"model\":\"resnet\",\"uri\":\"s3://m/resnet/1\"}}").statusCode()).isEqualTo(201);

        for (String name : new String[] {"tf-2.16", "tf-2.17", "torch-2.3"}) {
            assertThat(send("POST", envs, ADMIN, null, "{\"name\":\"" + name + "\",\"spec\":{\"dockerImage\":\"i\"}}").statusCode()).isEqualTo(201);
        }
        JsonNode page = JSON.readTree(send("GET", envs + "?prefix=tf-&limit=2", READER, null, null).body());
        assertThat(page.path("items").findValuesAsText("name")).containsExactly("tf-2.15", "tf-2.16");
        JsonNode next = JSON.readTree(send("GET", envs + "?prefix=tf-&limit=2&cursor=" + page.path("nextCursor").asText(), READER, null, null).body());
        assertThat(next.path("items").findValuesAsText("name")).containsExactly("tf-2.17");

        assertThat(send("DELETE", envs + "/tf-2.15", ADMIN, "\"1\"", null).statusCode()).as("stale delete").isEqualTo(412);
        assertThat(send("DELETE", envs + "/tf-2.15", ADMIN, "\"2\"", null).statusCode()).isEqualTo(204);
        assertThat(send("GET", envs + "/tf-2.15", READER, null, null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/api/v1/resources/recipes", READER, null, null).statusCode()).isEqualTo(404);
    }

    @Test
    void resourceListsFilterOnSpecFieldsAndSort() throws Exception {
        String notebooks = "/api/v1/resources/notebooks";
        // More than one scan batch (500 rows), so that a filtered page is gathered across batches.
        for (int i = 0; i < 510; i++) {
            String spec = "{\"environment\":\"" + (i % 100 == 7 ? "torch" : "tf") + "\",\"resources\":{\"gpu\":" + (i / 100) % 2 + "}}";
            HttpResponse<String> created = send("POST", notebooks, ADMIN, null, "{\"name\":\"nb-%03d\",\"spec\":%s}".formatted(i, spec));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        }
        JsonNode torch = JSON.readTree(send("GET", notebooks + "?spec.environment=torch&limit=4", READER, null, null).body());
        assertThat(torch.path("items").findValuesAsText("name")).containsExactly("nb-007", "nb-107", "nb-207", "nb-307");
        JsonNode rest = JSON.readTree(send("GET", notebooks + "?spec.environment=torch&limit=4&cursor=" + torch.path("nextCursor").asText(), READER, null, null).body());
        assertThat(rest.path("items").findValuesAsText("name")).containsExactly("nb-407", "nb-507");
        assertThat(rest.has("nextCursor")).isFalse();
        assertThat(JSON.readTree(send("GET", notebooks + "?spec.environment=torch&spec.resources.gpu=1", READER, null, null).body())
                .path("items").findValuesAsText("name")).containsExactly("nb-107", "nb-307", "nb-507");

        JsonNode byNameDown = JSON.readTree(send("GET", notebooks + "?sort=-name&limit=3", READER, null, null).body());
        assertThat(byNameDown.path("items").findValuesAsText("name")).containsExactly("nb-509", "nb-508", "nb-507");
        JsonNode nextDown = JSON.readTree(send("GET", notebooks + "?sort=-name&limit=2&cursor=" + byNameDown.path("nextCursor").asText(), READER, null, null).body());
        assertThat(nextDown.path("items").findValuesAsText("name")).containsExactly("nb-506", "nb-505");
        assertThat(JSON.readTree(send("GET", notebooks + "?sort=-created&limit=2", READER, null, null).body()).path("items").findValuesAsText("name"))
                .containsExactly("nb-509", "nb-508");

        String etag = send("GET", notebooks + "/nb-000", READER, null, null).headers().firstValue("ETag").orElseThrow();
        assertThat(send("PUT", notebooks + "/nb-000", ADMIN, etag, "{\"spec\":{\"environment\":\"jax\"}}").statusCode()).isEqualTo(200);
        JsonNode recent = JSON.readTree(send("GET", notebooks + "?sort=-updated&limit=1", READER, null, null).body());
        assertThat(recent.path("items").findValuesAsText("name")).containsExactly("nb-000");
        JsonNode afterRecent = JSON.readTree(send("GET", notebooks + "?sort=-updated&limit=1&cursor=" + recent.path("nextCursor").asText(), READER, null, null).body());
        assertThat(afterRecent.path("items").findValuesAsText("name")).doesNotContain("nb-000").hasSize(1);

        for (String bad : new String[] {"?sort=size", "?color=red", "?cursor=" + recent.path("nextCursor").asText(), "?cursor=%25%25", "?limit=0"}) {
            HttpResponse<String> response = send("GET", notebooks + bad, READER, null, null);
            assertThat(response.statusCode()).as(bad).isEqualTo(400);
            assertThat(JSON.readTree(response.body()).path("message").asText()).as(bad).isNotBlank();
        }
    }
}
