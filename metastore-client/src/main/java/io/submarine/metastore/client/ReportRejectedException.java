package io.submarine.metastore.client;

import java.io.IOException;

/** The metastore refused the report (4xx): sending it again would not help, so it is not spooled. */
public final class ReportRejectedException extends IOException {
    private final int status;

    public ReportRejectedException(int status, String message) {
        super("metastore refused the report (HTTP " + status + "): " + message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
