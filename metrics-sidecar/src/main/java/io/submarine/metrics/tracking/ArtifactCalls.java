package io.submarine.metrics.tracking;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.submarine.mlflow.artifacts.ArtifactTree;
import io.submarine.storage.BlobInfo;
import io.submarine.storage.BlobNotFoundException;
import io.submarine.storage.BlobStoreException;
import java.io.IOException;
import java.io.InputStream;

/**
 * MLflow's artifact proxy API ({@code /api/2.0/mlflow-artifacts/artifacts}), as MLflow's server
 * serves it, on the pod's storage: what {@code mlflow.log_artifact} and {@code log_model} upload
 * streams straight to the run's place in storage and is answered once stored whole, so an
 * artifact the task was told is logged survives the pod.
 *
 * <p>MLflow's multipart upload API is not offered (the server's info says so, and the client then
 * streams each file in one PUT): it hands the task presigned URLs of the bucket itself, which the
 * pod's storage (HDFS, a bucket the task has no route to) cannot always give.
 */
final class ArtifactCalls {

    static final String PREFIX = "/api/2.0/mlflow-artifacts/artifacts";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ArtifactTree tree;

    ArtifactCalls(ArtifactTree tree) {
        this.tree = tree;
    }

    static boolean serves(String path) {
        return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
    }

    OneWriteHttpServer.Response handle(OneWriteHttpServer.Request request) throws IOException {
        String method = request.method();
        try {
            if (request.path().equals(PREFIX) || request.path().equals(PREFIX + "/")) {
                if (!method.equals("GET")) {
                    throw new MlflowError(405, "BAD_REQUEST", PREFIX + " lists with GET ?path=, not " + method);
                }
                return json(list(TrackingEndpoint.query(request.rawQuery()).get("path")));
            }
            String path = ArtifactTree.fromUrlPath(request.path().substring(PREFIX.length() + 1));
            return switch (method) {
                case "PUT" -> {
                    tree.upload(path, request.body());
                    yield json(JSON.createObjectNode());
                }
                case "GET" -> download(path);
                case "DELETE" -> {
                    tree.delete(path);
                    yield json(JSON.createObjectNode());
                }
                default -> throw new MlflowError(405, "BAD_REQUEST", "an artifact takes PUT, GET or DELETE, not " + method);
            };
        } catch (ArtifactTree.InvalidPath e) {
            throw MlflowError.invalid(e.getMessage());
        } catch (ArtifactTree.IsADirectory e) {
            throw MlflowError.invalid(e.getMessage());
        } catch (BlobNotFoundException e) {
            throw MlflowError.notFound("No artifact at " + request.path().substring(PREFIX.length()));
        } catch (BlobStoreException e) {
            // Storage away or refusing: the client's retries apply; the message names the location, never a secret.
            throw new MlflowError(e.retryable() ? 503 : 500, e.retryable() ? "TEMPORARILY_UNAVAILABLE" : "INTERNAL_ERROR",
                    "the artifact store failed: " + e.getMessage());
        }
    }

    private ObjectNode list(String directory) throws IOException {
        ObjectNode answer = JSON.createObjectNode();
        var entries = tree.list(directory);
        if (!entries.isEmpty()) {
            // An empty list is left out, as proto3 JSON (and MLflow's server) leaves it out.
            ArrayNode files = answer.putArray("files");
            for (ArtifactTree.Entry entry : entries) {
                ObjectNode file = files.addObject().put("path", entry.name()).put("is_dir", entry.directory());
                if (!entry.directory()) {
                    file.put("file_size", entry.size());
                }
            }
        }
        return answer;
    }

    private OneWriteHttpServer.Response download(String path) throws IOException {
        BlobInfo info = tree.stat(path);
        InputStream file = tree.open(path);
        return OneWriteHttpServer.Response.file(file, info.size());
    }

    private static OneWriteHttpServer.Response json(ObjectNode body) throws IOException {
        return new OneWriteHttpServer.Response(200, JSON.writeValueAsBytes(body));
    }
}
