/**
 * {@code log-shipper}: the sidecar that ships every log line of a pod to blob storage exactly once.
 *
 * <p>Sources ({@code source}) append whole lines to streams ({@code ship.LogStream}), one per
 * container or group of files; a file is followed through its rotations, found again by its
 * identity and first bytes wherever rotation put it. A stream cuts its lines into compressed
 * segments whose keys are their sequence numbers and whose index, stored inside the object,
 * records where every source stood after it. What was read is synced to the spool on the pod's
 * volume every second with where each source stands ({@code ship.Spool}, {@code ship.Checkpoint}),
 * and segments are uploaded in order with create-if-absent; after a crash the spool and the last
 * committed segment say where to resume, so nothing is lost or shipped twice. It must not drop a
 * line silently: what is really gone is logged and counted.
 */
package io.submarine.logshipper;
