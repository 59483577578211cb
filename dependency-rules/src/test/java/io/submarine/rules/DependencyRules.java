package io.submarine.rules;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The dependency rule of DESIGN.md, as code: programs use storage-api, sidecar-kit and
 * metastore-client only (and log-segments, the format of a remote layout they share, and mlflow-artifacts, MLflow's
 * artifact tree the tracking endpoint writes and the metastore serves); no program uses another; each cloud SDK is used only by its backend;
 * backends are reached by URI scheme at run time, never imported by a program.
 */
final class DependencyRules {
    private DependencyRules() {}

    /** The programs: container images, services, and tools, each its own top-level package. */
    static final List<String> PROGRAMS = List.of(
            "io.submarine.localizer..", "io.submarine.logshipper..", "io.submarine.metrics..",
            "io.submarine.artifactsync..", "io.submarine.metastore..", "io.submarine.injector..",
            "io.submarine.storage.cli..");

    /** Each SDK and the one backend package allowed to use it. */
    static final Map<String, String[]> SDKS = Map.of(
            "io.submarine.storage.s3..", new String[] {"software.amazon.awssdk.."},
            "io.submarine.storage.azure..", new String[] {"com.azure.."},
            "io.submarine.storage.gcs..", new String[] {"com.google.cloud..", "com.google.api..", "com.google.auth.."},
            "io.submarine.storage.hdfs..", new String[] {"org.apache.hadoop.."},
            "io.submarine.storage.vfs..", new String[] {"org.apache.commons.vfs2..", "com.jcraft.."});

    /** Backends, found by scheme at run time; http needs no SDK beyond the JDK. */
    /** Libraries programs share; metastore-client's package lies under the metastore's name but is not the service. */
    static final String[] SHARED = {"io.submarine.metastore.client..", "io.submarine.storage", "io.submarine.sidecar.."};

    static final String[] BACKENDS = java.util.stream.Stream.concat(SDKS.keySet().stream(), java.util.stream.Stream.of("io.submarine.storage.http.."))
            .toArray(String[]::new);

    static ArchRule sdksOnlyInTheirBackend() {
        List<ArchRule> rules = new ArrayList<>();
        SDKS.forEach((backend, sdk) -> rules.add(noClasses()
                .that().resideInAPackage("io.submarine..").and().resideOutsideOfPackage(backend)
                .should().dependOnClassesThat().resideInAnyPackage(sdk)
                .because("the SDK of " + backend + " belongs to that backend module alone")));
        return CompositeArchRule.of(rules);
    }

    static ArchRule noProgramUsesAnother() {
        List<ArchRule> rules = new ArrayList<>();
        for (String program : PROGRAMS) {
            String[] others = PROGRAMS.stream().filter(p -> !p.equals(program)).toArray(String[]::new);
            rules.add(noClasses().that().resideInAPackage(program).and().resideOutsideOfPackages(SHARED)
                    .should().dependOnClassesThat(JavaClass.Predicates.resideInAnyPackage(others)
                            .and(DescribedPredicate.not(JavaClass.Predicates.resideInAnyPackage(SHARED))))
                    .allowEmptyShould(true)
                    .because("programs share code only through storage-api, sidecar-kit, metastore-client, log-segments and mlflow-artifacts"));
        }
        return CompositeArchRule.of(rules);
    }

    static ArchRule programsReachBackendsOnlyByScheme() {
        return noClasses().that().resideInAnyPackage(PROGRAMS.toArray(String[]::new))
                .should().dependOnClassesThat().resideInAnyPackage(BACKENDS)
                .allowEmptyShould(true)
                .because("backends are found at run time by URI scheme (ServiceLoader), so a program runs with whichever are on its class path");
    }

    static ArchRule storageApiDependsOnNoBackend() {
        return noClasses().that().resideInAPackage("io.submarine.storage").or().resideInAnyPackage(
                        "io.submarine.storage.local..", "io.submarine.storage.memory..", "io.submarine.storage.retry..")
                .should().dependOnClassesThat().resideInAnyPackage(BACKENDS)
                .because("storage-api is the contract; backends depend on it, never the reverse");
    }

    static ArchRule sidecarKitKnowsNoStorage() {
        return noClasses().that().resideInAPackage("io.submarine.sidecar..")
                .should().dependOnClassesThat().resideInAPackage("io.submarine.storage..")
                .because("sidecar-kit is what every program shares about behaving in a pod, not about storage");
    }

    /**
     * The metastore is split by what it serves (reports, resources, mlflow, metrics, logs) on a
     * core (api, auth, db): the concerns depend on the core and on what they build on, never in a
     * circle, so each can be read, and moved, on its own.
     */
    static ArchRule metastorePackagesAreFreeOfCycles() {
        return com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices()
                .matching("io.submarine.metastore.(*)..").should().beFreeOfCycles()
                .because("each package of the metastore is one concern, with its routes, its storage and its tests");
    }
}
