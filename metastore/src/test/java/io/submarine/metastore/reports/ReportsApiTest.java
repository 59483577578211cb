package io.submarine.metastore.reports;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.submarine.metastore.ApiSuite;
import io.submarine.metastore.TestDatabase;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Reports: stored once per idempotency key, listed by pod, container or owner, a page at a time; refused with a 4xx that says why. On each {@link TestDatabase}. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class ReportsApiTest extends ApiSuite {

    @Test
    void aReportIsStoredOnceHoweverOftenItIsSent() throws Exception {
        String body = report("trainer-0", "{\"source\":\"trainer\",\"revision\":\"abc\"}");
        HttpResponse<String> first = post("/api/v1/reports/localizations", REPORTER, "key-once", body);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        HttpResponse<String> again = post("/api/v1/reports/localizations", REPORTER, "key-once", body);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).path("duplicate").asBoolean()).isTrue();
        assertThat(JSON.readTree(again.body()).path("id").asLong()).isEqualTo(JSON.readTree(first.body()).path("id").asLong());

        JsonNode page = JSON.readTree(get("/api/v1/reports/localizations?namespace=team-a&pod=trainer-0", READER).body());
        assertThat(page.path("items")).hasSize(1);
        assertThat(page.path("items").get(0).path("payload").path("revision").asText()).isEqualTo("abc");
        assertThat(page.path("items").get(0).path("ownerName").asText()).isEqualTo("resnet");
    }

    @Test
    void reportsAreListedByOwner() throws Exception {
        for (String owner : new String[] {"bert", "gpt", "bert"}) {
            String uri = "s3://models/" + owner + "/" + System.nanoTime();
            String body = "{\"namespace\":\"team-b\",\"pod\":\"" + owner + "-train-0\",\"podUid\":\"u-" + owner + "\",\"container\":\"artifact-sync\",\"restart\":0,"
                    + "\"ownerKind\":\"experiment\",\"ownerName\":\"" + owner + "\",\"payload\":{\"uri\":\"" + uri + "\",\"manifestDigest\":\"sha256:00\",\"files\":3,\"bytes\":1024}}";
            assertThat(post("/api/v1/reports/model-versions", REPORTER, uri, body).statusCode()).isEqualTo(201);
        }
        JsonNode bert = JSON.readTree(get("/api/v1/reports/model-versions?ownerKind=experiment&ownerName=bert", READER).body());
        assertThat(bert.path("items")).hasSize(2);
        assertThat(bert.path("items").findValuesAsText("ownerName")).containsOnly("bert");
        assertThat(bert.path("items").get(0).path("payload").path("uri").asText()).startsWith("s3://models/bert/");
        assertThat(JSON.readTree(get("/api/v1/reports/model-versions?ownerKind=notebook&ownerName=bert", READER).body()).path("items")).isEmpty();
        assertThat(JSON.readTree(get("/api/v1/reports/model-versions?namespace=team-b&container=artifact-sync", READER).body()).path("items")).hasSize(3);
    }

    @Test
    void listingsPageWithACursor() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(post("/api/v1/reports/log-segments", REPORTER, "seg-" + i, report("pager", "{\"seq\":" + i + "}")).statusCode()).isEqualTo(201);
        }
        JsonNode first = JSON.readTree(get("/api/v1/reports/log-segments?pod=pager&limit=3", READER).body());
        assertThat(first.path("items")).hasSize(3);
        JsonNode second = JSON.readTree(get("/api/v1/reports/log-segments?pod=pager&limit=3&cursor=" + first.path("nextCursor").asText(), READER).body());
        assertThat(second.path("items")).hasSize(2);
        assertThat(second.has("nextCursor")).isFalse();
        assertThat(second.path("items").get(1).path("payload").path("seq").asInt()).isEqualTo(4);
    }

    @Test
    void sqlInjectionIsStoredVerbatimAndHarmless() throws Exception {
        String evil = "x'); DROP TABLE reports; --";
        assertThat(post("/api/v1/reports/lifecycle", REPORTER, evil, report("evil", "{\"note\":\"" + evil + "\"}")).statusCode()).isEqualTo(201);
        JsonNode page = JSON.readTree(get("/api/v1/reports/lifecycle?pod=evil", READER).body());
        assertThat(page.path("items").get(0).path("payload").path("note").asText()).isEqualTo(evil);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no token                 | POST | /api/v1/reports/localizations |                  | k | {}                                   | 401
            unknown token            | POST | /api/v1/reports/localizations | nope             | k | {}                                   | 401
            reader may not report    | POST | /api/v1/reports/localizations | reader-token-2   | k | {}                                   | 403
            reporter may not read    | GET  | /api/v1/reports/localizations | reporter-token-1 |   |                                      | 403
            unknown kind             | POST | /api/v1/reports/recipes       | reporter-token-1 | k | {}                                   | 404
            unknown endpoint         | GET  | /api/v1/nothing               | reader-token-2   |   |                                      | 404
            no idempotency key       | POST | /api/v1/reports/localizations | reporter-token-1 |   | {}                                   | 400
            malformed JSON           | POST | /api/v1/reports/localizations | reporter-token-1 | k | {"namespace":                        | 400
            not an object            | POST | /api/v1/reports/localizations | reporter-token-1 | k | [1,2]                                | 400
            missing fields           | POST | /api/v1/reports/localizations | reporter-token-1 | k | {"payload":{}}                       | 400
            wrong type               | POST | /api/v1/reports/localizations | reporter-token-1 | k | {"namespace":1,"pod":"p","podUid":"u","payload":{}} | 400
            unknown field            | POST | /api/v1/reports/localizations | reporter-token-1 | k | {"namespace":"n","pod":"p","podUid":"u","payload":{},"extra":1} | 400
            negative restart         | POST | /api/v1/reports/localizations | reporter-token-1 | k | {"namespace":"n","pod":"p","podUid":"u","restart":-1,"payload":{}} | 400
            bad owner kind           | POST | /api/v1/reports/localizations | reporter-token-1 | k | {"namespace":"n","pod":"p","podUid":"u","ownerKind":"job","payload":{}} | 400
            bad limit                | GET  | /api/v1/reports/localizations?limit=abc | reader-token-2 | |                               | 400
            """)
    void badRequestsGetA4xxWithCodeAndMessage(String name, String method, String path, String token, String key, String body, int status) throws Exception {
        HttpResponse<String> response = method.equals("GET") ? get(path, token) : post(path, token, key, body == null ? "" : body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode error = JSON.readTree(response.body());
        assertThat(error.path("code").asText()).isNotBlank();
        assertThat(error.path("message").asText()).isNotBlank();
    }
}
