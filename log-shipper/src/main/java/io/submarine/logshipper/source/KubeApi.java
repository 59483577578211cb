package io.submarine.logshipper.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.sidecar.log.Redactor;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The two calls of the Kubernetes API the shipper needs, with the pod's service account: the
 * pod (for its containers' restart counts and states) and {@code pods/log} (followed, with
 * timestamps). The token file is read on every call, because kubelet rotates projected tokens.
 */
public final class KubeApi {

    /** Where a pod's service account is mounted. */
    public static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A container as the pod's status reports it. */
    public record ContainerStatus(String name, int restartCount, boolean running, boolean terminated) {}

    private final URI server;
    private final Path tokenFile;
    private final String namespace;
    private final String pod;
    private final HttpClient http;

    public KubeApi(URI server, Path tokenFile, Path caFile, String namespace, String pod) throws IOException {
        this.server = server;
        this.tokenFile = tokenFile;
        this.namespace = namespace;
        this.pod = pod;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).sslContext(trusting(caFile)).build();
        token();
    }

    private static SSLContext trusting(Path caFile) throws IOException {
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int i = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trusted.setCertificateEntry("ca-" + i++, certificate);
            }
            if (i == 0) {
                throw new IOException(caFile + " holds no certificate");
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("the CA file " + caFile + " cannot be used: " + e.getMessage(), e);
        }
    }

    private String token() throws IOException {
        String token = Files.readString(tokenFile).strip();
        Redactor.global().register(token);
        return token;
    }

    /** The named container's status, empty if the pod doesn't list it (yet). */
    public Optional<ContainerStatus> container(String name) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = send(URI.create(server + "/api/v1/namespaces/" + namespace + "/pods/" + pod));
        JsonNode statuses;
        try (InputStream body = response.body()) {
            statuses = JSON.readTree(body).path("status").path("containerStatuses");
        }
        for (JsonNode status : statuses) {
            if (name.equals(status.path("name").asText())) {
                JsonNode state = status.path("state");
                return Optional.of(new ContainerStatus(name, status.path("restartCount").asInt(), state.has("running"), state.has("terminated")));
            }
        }
        return Optional.empty();
    }

    /**
     * The container's log with a timestamp on every line, followed while it runs. {@code since}
     * goes to the API as {@code sinceTime}, which has whole seconds: the caller skips what it has.
     */
    public InputStream log(String container, boolean previous, Instant since) throws IOException, InterruptedException {
        StringBuilder query = new StringBuilder("container=").append(URLEncoder.encode(container, StandardCharsets.UTF_8)).append("&timestamps=true");
        query.append(previous ? "&previous=true" : "&follow=true");
        if (since != null) {
            query.append("&sinceTime=").append(URLEncoder.encode(since.truncatedTo(ChronoUnit.SECONDS).toString(), StandardCharsets.UTF_8));
        }
        return send(URI.create(server + "/api/v1/namespaces/" + namespace + "/pods/" + pod + "/log?" + query)).body();
    }

    private HttpResponse<InputStream> send(URI uri) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token()).GET().build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            String body;
            try (InputStream in = response.body()) {
                body = new String(in.readNBytes(2000), StandardCharsets.UTF_8);
            }
            String problem = "the Kubernetes API answered " + response.statusCode() + " to " + uri.getPath() + ": " + body.strip();
            if (response.statusCode() == 401 || response.statusCode() == 403) {
                throw new KubeAccessDeniedException(problem + " (the pod's service account needs get on pods and pods/log)");
            }
            throw new IOException(problem);
        }
        return response;
    }

    /** The API refused the service account: not retried. */
    public static final class KubeAccessDeniedException extends IOException {
        private static final long serialVersionUID = 1L;

        KubeAccessDeniedException(String message) {
            super(message);
        }
    }
}
