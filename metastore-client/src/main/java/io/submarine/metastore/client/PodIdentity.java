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

    /**
     * This pod's directory under the storage root, in the remote layout of DESIGN.md:
     * {@code <namespace>/<owner-kind>/<owner-name>/<pod>/<pod-uid>}. A pod without an owner goes
     * under owner kind {@code pod}, named after itself. The UID keeps a pod recreated under the
     * same name from meeting its predecessor's keys.
     */
    public String remotePrefix() {
        boolean owned = ownerKind != null && !ownerKind.isBlank() && ownerName != null && !ownerName.isBlank();
        return String.join("/", namespace, owned ? ownerKind : "pod", owned ? ownerName : pod, pod, podUid);
    }

    /** The same pod, reporting as {@code otherContainer} (restart {@code otherRestart}). */
    public PodIdentity as(String otherContainer, int otherRestart) {
        return new PodIdentity(namespace, pod, podUid, otherContainer, otherRestart, ownerKind, ownerName);
    }

    /** From the downward API and injector variables; missing names are an error that says which. */
    public static PodIdentity fromEnvironment(Map<String, String> env, String container) {
        return new PodIdentity(env.get("POD_NAMESPACE"), env.get("POD_NAME"), env.get("POD_UID"), container,
                Integer.parseInt(env.getOrDefault("CONTAINER_RESTART_COUNT", "0")),
                env.getOrDefault("SUBMARINE_OWNER_KIND", ""), env.getOrDefault("SUBMARINE_OWNER_NAME", ""));
    }
}
