package io.submarine.metastore.client;

import java.util.Map;

/**
 * Who reports: the pod (from the downward API) and its owner (from the pod's annotations,
 * which the injector sets as {@code SUBMARINE_OWNER_KIND} and {@code SUBMARINE_OWNER_NAME}).
 */
public record PodIdentity(String namespace, String pod, String podUid, String container, int restart, String ownerKind, String ownerName) {

    public PodIdentity {
        if (namespace == null || namespace.isBlank() || pod == null || pod.isBlank() || podUid == null || podUid.isBlank()) {
            throw new IllegalArgumentException("a report needs the pod's namespace, name and UID (POD_NAMESPACE, POD_NAME, POD_UID)");
        }
        if (restart < 0) {
            throw new IllegalArgumentException("restart count must not be negative");
        }
    }

    /** From the downward API and injector variables; missing names are an error that says which. */
    public static PodIdentity fromEnvironment(Map<String, String> env, String container) {
        return new PodIdentity(env.get("POD_NAMESPACE"), env.get("POD_NAME"), env.get("POD_UID"), container,
                Integer.parseInt(env.getOrDefault("CONTAINER_RESTART_COUNT", "0")),
                env.getOrDefault("SUBMARINE_OWNER_KIND", ""), env.getOrDefault("SUBMARINE_OWNER_NAME", ""));
    }
}
