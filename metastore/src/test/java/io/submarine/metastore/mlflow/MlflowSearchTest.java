package io.submarine.metastore.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.submarine.metastore.api.ApiException;
import io.submarine.metastore.mlflow.MlflowSearch.Entity;
import io.submarine.metastore.mlflow.MlflowSearch.Target;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** MLflow's search language on runs held in memory; the API tests run it through each database. */
class MlflowSearchTest {

    /** Six runs: trial-i started at 1000+i, loss 1.0-0.1i (none for trial-5), cnn for even i, team Vision below 3. */
    private static final List<Entity> RUNS = runs();

    private static List<Entity> runs() {
        List<Entity> runs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            JsonArray metrics = new JsonArray();
            if (i < 5) {
                metrics.add(new JsonObject().put("key", "loss").put("value", Math.round((1.0 - 0.1 * i) * 10) / 10.0));
            }
            if (i == 0) {
                metrics.add(new JsonObject().put("key", "val loss").put("value", 2.5));
            }
            JsonArray tags = new JsonArray().add(new JsonObject().put("key", "mlflow.user").put("value", i % 2 == 0 ? "alice" : "bob"));
            if (i < 3) {
                tags.add(new JsonObject().put("key", "team").put("value", "Vision"));
            }
            JsonObject info = new JsonObject().put("run_id", "id" + i).put("run_name", "trial-" + i).put("status", i == 4 ? "FAILED" : "FINISHED")
                    .put("start_time", 1000L + i).put("lifecycle_stage", "active").put("artifact_uri", "");
            JsonArray params = new JsonArray().add(new JsonObject().put("key", "model").put("value", i % 2 == 0 ? "cnn" : "mlp"));
            runs.add(Entity.ofRun(new JsonObject().put("info", info).put("data", new JsonObject().put("metrics", metrics).put("params", params).put("tags", tags))));
        }
        return runs;
    }

    private static List<String> names(String filter, List<String> orderBy) {
        JsonArray page = MlflowSearch.parse(Target.RUNS, filter, orderBy).page(RUNS, 100, null, "runs").getJsonArray("runs", new JsonArray());
        return page.stream().map(run -> ((JsonObject) run).getJsonObject("info").getString("run_name")).toList();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "metrics.loss < 0.75                                   | trial-4,trial-3",
        "metric.loss<=0.8 AND metrics.loss > 0.6               | trial-3,trial-2",
        "params.model = 'cnn' and metrics.loss >= 0.8          | trial-2,trial-0",
        "params.model != \"cnn\"                               | trial-5,trial-3,trial-1",
        "tags.team ILIKE 'vis%'                                | trial-2,trial-1,trial-0",
        "tags.team LIKE 'vis%'                                 | ''",
        "attributes.run_name LIKE 'trial-_'                    | trial-5,trial-4,trial-3,trial-2,trial-1,trial-0",
        "attributes.status = 'FAILED'                          | trial-4",
        "attributes.start_time >= 1004                         | trial-5,trial-4",
        "attributes.user_id = 'bob'                            | trial-5,trial-3,trial-1",
        "attributes.run_id IN ('id1', 'id4')                   | trial-4,trial-1",
        "attributes.run_id NOT IN ('id1','id4')                | trial-5,trial-3,trial-2,trial-0",
        "tags.mlflow.user = 'alice'                            | trial-4,trial-2,trial-0",
        "metrics.\"val loss\" > 2                              | trial-0",
        "metrics.`val loss` > 2                                | trial-0",
        "metrics.loss != 0.6                                   | trial-3,trial-2,trial-1,trial-0",
    })
    void filtersSelectRunsNewestFirst(String filter, String expected) {
        assertThat(names(filter, List.of())).containsExactlyElementsOf(expected.isEmpty() ? List.of() : List.of(expected.split(",")));
    }

    @Test
    void orderByPutsRunsWithoutTheValueLastEitherWay() {
        assertThat(names("", List.of("metrics.loss ASC"))).containsExactly("trial-4", "trial-3", "trial-2", "trial-1", "trial-0", "trial-5");
        assertThat(names(null, List.of("metrics.loss DESC"))).containsExactly("trial-0", "trial-1", "trial-2", "trial-3", "trial-4", "trial-5");
        assertThat(names(null, List.of("params.model", "attributes.start_time ASC"))).containsExactly("trial-0", "trial-2", "trial-4", "trial-1", "trial-3", "trial-5");
    }

    @Test
    void pagesFollowTheirToken() {
        MlflowSearch search = MlflowSearch.parse(Target.RUNS, null, List.of("attributes.run_name"));
        JsonObject first = search.page(RUNS, 4, null, "runs");
        assertThat(first.getJsonArray("runs")).hasSize(4);
        JsonObject second = search.page(RUNS, 4, first.getString("next_page_token"), "runs");
        assertThat(second.getJsonArray("runs").stream().map(run -> ((JsonObject) run).getJsonObject("info").getString("run_name")).toList())
                .containsExactly("trial-4", "trial-5");
        assertThat(second.containsKey("next_page_token")).isFalse();
        assertThatThrownBy(() -> search.page(RUNS, 4, "not-a-token!", "runs")).isInstanceOf(ApiException.class).hasMessageContaining("page token");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "metrics.loss ~ 3", "params.model > 'a'", "metrics.loss = 'x'", "params.model = cnn", "foo.bar = 1", "loss < 1",
        "metrics.loss < 0.5 or params.model = 'cnn'", "attributes.colour = 'red'", "tags.team = 'open", "params.model IN ('a')",
        "attributes.run_id IN ('a'", "metrics. < 1"})
    void aBadFilterSaysWhatIsWrong(String filter) {
        assertThatThrownBy(() -> MlflowSearch.parse(Target.RUNS, filter, List.of()))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo("INVALID_PARAMETER_VALUE");
                    assertThat(e.getMessage()).isNotBlank();
                });
    }

    @Test
    void experimentsAreSearchedByNameAndTagsWithOrWithoutAttributes() {
        List<Entity> experiments = List.of(
                Entity.ofExperiment(new JsonObject().put("experiment_id", "1").put("name", "vision-a").put("creation_time", 5L).put("last_update_time", 5L)
                        .put("lifecycle_stage", "active").put("tags", new JsonArray().add(new JsonObject().put("key", "group").put("value", "cv")))),
                Entity.ofExperiment(new JsonObject().put("experiment_id", "2").put("name", "speech").put("creation_time", 7L).put("last_update_time", 7L)
                        .put("lifecycle_stage", "active").put("tags", new JsonArray())));
        assertThat(MlflowSearch.parse(Target.EXPERIMENTS, "name LIKE 'vision%'", List.of()).page(experiments, 10, null, "experiments")
                .getJsonArray("experiments")).hasSize(1);
        assertThat(MlflowSearch.parse(Target.EXPERIMENTS, "tags.group = 'cv' AND attributes.creation_time < 6", List.of()).page(experiments, 10, null, "experiments")
                .getJsonArray("experiments").getJsonObject(0).getString("name")).isEqualTo("vision-a");
        assertThat(MlflowSearch.parse(Target.EXPERIMENTS, null, List.of()).page(experiments, 10, null, "experiments")
                .getJsonArray("experiments").getJsonObject(0).getString("name")).as("newest first").isEqualTo("speech");
        assertThatThrownBy(() -> MlflowSearch.parse(Target.EXPERIMENTS, "metrics.loss < 1", List.of())).isInstanceOf(ApiException.class);
    }
}
