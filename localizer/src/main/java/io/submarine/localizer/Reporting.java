package io.submarine.localizer;

import io.submarine.metastore.client.MetastoreClient;
import io.submarine.metastore.client.PodIdentity;
import io.submarine.metastore.client.Report;
import io.submarine.metastore.client.ReportContent;
import io.submarine.sidecar.lifecycle.ExitCode;
import io.submarine.sidecar.lifecycle.ProgramException;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports what was localized to the metastore. The reports are also in {@code .localized.json},
 * so a reporting failure only fails the run when the operator asked for that (--require-report);
 * undelivered reports stay in the spool on the pod's shared volume for a later program to send.
 */
final class Reporting {

    private static final Logger LOG = LoggerFactory.getLogger(Reporting.class);

    private final MetastoreClient client;
    private final PodIdentity identity;
    private final boolean required;

    Reporting(MetastoreClient client, PodIdentity identity, boolean required) {
        this.client = client;
        this.identity = identity;
        this.required = required;
    }

    void report(List<LocalizedRecord> records) {
        int undelivered = 0;
        String problem = null;
        for (LocalizedRecord record : records) {
            ReportContent.Localization localization = new ReportContent.Localization(record.name(), record.type(), record.url(), record.target(),
                    record.revision(), record.files(), record.bytes(), record.seconds(), record.unchanged(), "succeeded");
            try {
                if (client.report(Report.of(identity, localization)) == MetastoreClient.Outcome.SPOOLED) {
                    undelivered++;
                    problem = "the metastore is unreachable; the report waits in the spool";
                }
            } catch (IOException e) {
                undelivered++;
                problem = e.getMessage();
            }
        }
        if (undelivered == 0) {
            LOG.info("reported {} localizations to the metastore", records.size());
            return;
        }
        String message = undelivered + " of " + records.size() + " localization reports not delivered: " + problem;
        if (required) {
            throw new ProgramException(ExitCode.UNREACHABLE, message + " (--require-report)");
        }
        LOG.warn("{}; the localization itself succeeded", message);
    }
}
