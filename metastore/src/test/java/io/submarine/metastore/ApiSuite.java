package io.submarine.metastore;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.params.Parameter;

/**
 * What the API suites share: the database each runs on (a suite is a {@code @ParameterizedClass}
 * over {@link TestDatabase}: embedded H2, PostgreSQL, MariaDB), and requests as clients send them.
 */
public abstract class ApiSuite {

    protected static final String REPORTER = TestDatabase.REPORTER;
    protected static final String READER = TestDatabase.READER;
    protected static final String ADMIN = TestDatabase.ADMIN;
    protected static final ObjectMapper JSON = new ObjectMapper();
    protected static final HttpClient HTTP = HttpClient.newHttpClient();

    @Parameter
    protected TestDatabase database;

    protected String url(String path) throws Exception {
        return "http://127.0.0.1:" + database.server().port() + path;
    }

    protected HttpResponse<String> post(String path, String token, String key, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path))).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    protected HttpResponse<String> get(String path, String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    protected HttpResponse<String> send(String method, String path, String token, String ifMatch, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path))).header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (ifMatch != null) {
            request.header("If-Match", ifMatch);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** As a training script calls it, with a reporter's token; deleting and restoring, as an admin. */
    protected JsonNode mlflow(String method, String path, String body) throws Exception {
        String token = path.matches("/(experiments|runs)/(delete|restore)") ? ADMIN : REPORTER;
        HttpResponse<String> response = method.equals("GET") ? get("/api/2.0/mlflow" + path, token)
                : post("/api/2.0/mlflow" + path, token, null, body);
        assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** A report body of pod {@code pod} of experiment resnet, with {@code payload}. */
    protected static String report(String pod, String payload) {
        return "{\"namespace\":\"team-a\",\"pod\":\"" + pod + "\",\"podUid\":\"uid-" + pod + "\",\"container\":\"localizer\",\"restart\":0,"
                + "\"ownerKind\":\"experiment\",\"ownerName\":\"resnet\",\"payload\":" + payload + "}";
    }
}
