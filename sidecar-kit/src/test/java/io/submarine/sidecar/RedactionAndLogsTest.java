package io.submarine.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.submarine.sidecar.lifecycle.TerminationMessage;
import io.submarine.sidecar.log.JsonLayout;
import io.submarine.sidecar.log.Redactor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.junit.jupiter.api.io.TempDir;

class RedactionAndLogsTest {

    private final Redactor redactor = new Redactor();

    @Test
    void passwordsInUrlsAreMasked() {
        assertThat(redactor.redact("cloning https://bob:s3cr3t-pw@github.com/org/repo.git failed"))
                .isEqualTo("cloning https://bob:***@github.com/org/repo.git failed");
        assertThat(redactor.redact("sftp://user:pa:ss@host/path")).doesNotContain("pa:ss");
        assertThat(redactor.redact("abfss://container@account.dfs.core.windows.net/x"))
                .isEqualTo("abfss://container@account.dfs.core.windows.net/x");
    }

    @Test
    void credentialQueryParametersAndHeadersAreMasked() {
        String sas = "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig=AbC%2Bdef%3D&se=2026";
        assertThat(redactor.redact(sas)).contains("sv=2022-11-02", "se=2026").doesNotContain("AbC%2Bdef");
        assertThat(redactor.redact("GET /x?X-Amz-Credential=AKIA123&X-Amz-Signature=deadbeef")).doesNotContain("AKIA123", "deadbeef");
        assertThat(redactor.redact("Authorization: Bearer eyJhbGciOi.payload.sig")).doesNotContain("eyJhbGciOi");
        assertThat(redactor.redact("AccountName=a;AccountKey=Zm9vYmFy==;EndpointSuffix=x")).doesNotContain("Zm9vYmFy");
    }

    @Test
    void registeredSecretsAreMaskedAnywhere() {
        redactor.register("tok-98765-secret\n");
        assertThat(redactor.redact("header value tok-98765-secret in a sentence")).isEqualTo("header value *** in a sentence");
        redactor.register("ab");
        assertThat(redactor.redact("abc")).as("too short to mask safely").isEqualTo("abc");
    }

    @Test
    void logLinesAreJsonWithSecretsMasked() throws Exception {
        Redactor.global().register("global-secret-4711");
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        JsonLayout layout = new JsonLayout();
        layout.setContext(context);
        layout.start();
        MDC.put("pod", "trainer-0");
        LoggingEvent event = new LoggingEvent("fqcn", context.getLogger("io.submarine.test"), Level.WARN,
                "upload to {} failed with key global-secret-4711", new IllegalStateException("boom at https://u:pw1234@h/x"),
                new Object[] {"s3://bucket/key"});
        String line = layout.doLayout(event);
        MDC.remove("pod");
        assertThat(line).endsWith("\n").doesNotContain("global-secret-4711", "pw1234");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.get("level").asText()).isEqualTo("WARN");
        assertThat(json.get("logger").asText()).isEqualTo("io.submarine.test");
        assertThat(json.get("message").asText()).isEqualTo("upload to s3://bucket/key failed with key ***");
        assertThat(json.get("error").asText()).contains("IllegalStateException", "u:***@h");
        assertThat(json.get("pod").asText()).isEqualTo("trainer-0");
        assertThat(json.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    }

    @Test
    void terminationMessageIsRedactedAndCutToKubernetesLimitOnACharacterBoundary(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("termination-log");
        new TerminationMessage(file, redactor).write("x".repeat(4095) + "é and more");
        byte[] written = Files.readAllBytes(file);
        assertThat(written.length).isEqualTo(4095);
        assertThat(new String(written, StandardCharsets.UTF_8)).isEqualTo("x".repeat(4095));

        new TerminationMessage(file, redactor).write("failed: https://a:b1234@host/");
        assertThat(Files.readString(file)).isEqualTo("failed: https://a:***@host/");
    }
}
