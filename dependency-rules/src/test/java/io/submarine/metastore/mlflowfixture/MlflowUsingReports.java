package io.submarine.metastore.mlflowfixture;

import io.submarine.metastore.reportsfixture.ReportsUsingMlflow;

/** The other half of the cycle {@link ReportsUsingMlflow} starts. */
public final class MlflowUsingReports {
    public ReportsUsingMlflow other() {
        return new ReportsUsingMlflow();
    }
}
