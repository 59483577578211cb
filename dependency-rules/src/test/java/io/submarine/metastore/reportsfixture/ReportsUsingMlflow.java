package io.submarine.metastore.reportsfixture;

import io.submarine.metastore.mlflowfixture.MlflowUsingReports;

/** A deliberate violation, for proving the rules fail: two metastore packages (each a slice of its own) that use each other. */
public final class ReportsUsingMlflow {
    public MlflowUsingReports other() {
        return new MlflowUsingReports();
    }
}
