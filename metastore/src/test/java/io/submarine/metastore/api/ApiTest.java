package io.submarine.metastore.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.metastore.ApiSuite;
import io.submarine.metastore.TestDatabase;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The service's own behaviour, whatever the route: the OpenAPI document, bodies, methods, sizes, health. On each {@link TestDatabase}. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class ApiTest extends ApiSuite {

    @Test
    void anOversizeBodyIs413() throws Exception {
        HttpResponse<String> response = post("/api/v1/reports/localizations", REPORTER, "big", report("big", "{\"blob\":\"" + "x".repeat(100_000) + "\"}"));
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(response.body()).path("code").asText()).isEqualTo("REQUEST_TOO_LARGE");
    }

    @Test
    void theOpenApiDocumentDescribesExactlyTheRoutes() throws Exception {
        String yaml = HTTP.send(HttpRequest.newBuilder(URI.create(url("/openapi.yaml"))).build(), HttpResponse.BodyHandlers.ofString()).body();
        JsonNode paths = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(yaml).path("paths");
        java.util.Set<String> documented = new java.util.TreeSet<>();
        paths.properties().forEach(path -> path.getValue().fieldNames().forEachRemaining(method -> {
            if (!method.equals("parameters")) {
                // Kinds whose bodies need more are documented by name; the service serves them by its {kind} routes.
                String route = path.getKey().replaceFirst("^/api/v1/resources/(environments|servings|model-versions)(?=/|$)", "/api/v1/resources/{kind}")
                        .replaceFirst("^/api/v1/reports/(metric-points|mlflow-calls)$", "/api/v1/reports/{kind}")
                        // An artifact's path may hold '/': its routes take the rest of the path (Vert.x names them by their prefix).
                        .replace("/artifacts/{path}", "/artifacts/");
                documented.add(method.toUpperCase(java.util.Locale.ROOT) + " " + route);
            }
        }));
        assertThat(documented).isEqualTo(database.server().routes());
    }

    @Test
    void aPostWithNoBodyIsAClientErrorThatSaysWhatWasExpected() throws Exception {
        // Once a 500 (a null buffer handed to the JSON parser) on every write that needs a body.
        for (String path : List.of("/api/v1/reports/log-segments", "/api/v1/resources/notebooks", "/api/2.0/mlflow/runs/log-metric",
                "/api/2.0/mlflow/experiments/create", "/api/2.0/mlflow/runs/search")) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path))).header("Authorization", "Bearer " + ADMIN)
                    .header("Idempotency-Key", "no-body").POST(HttpRequest.BodyPublishers.noBody());
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(400);
            assertThat(response.body()).as(path).containsAnyOf("send a JSON object", "Missing value for required parameter");
        }
    }

    @Test
    void aMethodAKnownPathDoesNotServeIs405WithAllow() throws Exception {
        for (Map.Entry<String, String> path : Map.of("/api/2.0/mlflow/runs/get", "GET", "/healthz", "GET",
                "/api/v1/resources/notebooks/some-name", "DELETE, GET, PUT").entrySet()) {
            HttpResponse<String> trace = HTTP.send(HttpRequest.newBuilder(URI.create(url(path.getKey()))).header("Authorization", "Bearer " + ADMIN)
                    .method("TRACE", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(trace.statusCode()).as(path.getKey()).isEqualTo(405);
            assertThat(trace.headers().firstValue("Allow")).as(path.getKey()).contains(path.getValue());
        }
        assertThat(get("/api/v1/no-such-thing", ADMIN).statusCode()).isEqualTo(404);
    }

    @Test
    void healthAndReadiness() throws Exception {
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(url("/healthz"))).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(url("/readyz"))).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }
}
