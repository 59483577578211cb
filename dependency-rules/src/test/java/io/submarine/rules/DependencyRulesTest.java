package io.submarine.rules;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.submarine.localizer.fixture.LocalizerUsingTheMetastore;
import io.submarine.localizer.fixture.LocalizerUsingTheS3Sdk;
import io.submarine.logshipper.fixture.LogShipperUsingTheLocalizer;
import io.submarine.metastore.mlflowfixture.MlflowUsingReports;
import io.submarine.metastore.reportsfixture.ReportsUsingMlflow;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks the production classes of every module against the rules, and checks on deliberate
 * violations (test fixtures, never shipped) that each rule does fail.
 */
class DependencyRulesTest {

    private static JavaClasses production;
    private static JavaClasses violations;

    @BeforeAll
    static void importClasses() {
        production = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.submarine");
        violations = new ClassFileImporter().importClasses(LocalizerUsingTheS3Sdk.class, LogShipperUsingTheLocalizer.class, LocalizerUsingTheMetastore.class);
    }

    @Test
    void sdksAreUsedOnlyInTheirBackend() {
        DependencyRules.sdksOnlyInTheirBackend().check(production);
    }

    @Test
    void noProgramUsesAnother() {
        DependencyRules.noProgramUsesAnother().check(production);
    }

    @Test
    void programsReachBackendsOnlyByScheme() {
        DependencyRules.programsReachBackendsOnlyByScheme().check(production);
    }

    @Test
    void storageApiDependsOnNoBackend() {
        DependencyRules.storageApiDependsOnNoBackend().check(production);
    }

    @Test
    void sidecarKitKnowsNoStorage() {
        DependencyRules.sidecarKitKnowsNoStorage().check(production);
    }

    @Test
    void metastorePackagesAreFreeOfCycles() {
        DependencyRules.metastorePackagesAreFreeOfCycles().check(production);
    }

    @Test
    void eachRuleCatchesAViolation() {
        assertThatThrownBy(() -> DependencyRules.sdksOnlyInTheirBackend().check(violations))
                .isInstanceOf(AssertionError.class).hasMessageContaining("LocalizerUsingTheS3Sdk").hasMessageContaining("software.amazon.awssdk");
        assertThatThrownBy(() -> DependencyRules.noProgramUsesAnother().check(violations))
                .isInstanceOf(AssertionError.class).hasMessageContaining("LogShipperUsingTheLocalizer");
        assertThatThrownBy(() -> DependencyRules.noProgramUsesAnother().check(violations))
                .isInstanceOf(AssertionError.class).hasMessageContaining("LocalizerUsingTheMetastore");
        assertThatThrownBy(() -> DependencyRules.programsReachBackendsOnlyByScheme().check(violations))
                .isInstanceOf(AssertionError.class).hasMessageContaining("io.submarine.storage.s3");
        assertThatThrownBy(() -> DependencyRules.metastorePackagesAreFreeOfCycles().check(
                new ClassFileImporter().importClasses(ReportsUsingMlflow.class, MlflowUsingReports.class)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("Cycle");
    }
}
