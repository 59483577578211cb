/**
 * {@code log-shipper}: the sidecar that ships every log line of a pod to blob storage exactly once.
 *
 * <p>Sources ({@code source}) append whole lines to streams ({@code ship.LogStream}), one per
 * container or group of files. A stream cuts its lines into compressed segments ({@code segment})
 * whose keys are their sequence numbers and whose index, stored inside the object, records where
 * every source stood after it. Segments are uploaded in order with create-if-absent; after a crash
 * the last committed segment's index says where to resume, so nothing is lost or shipped twice.
 */
package io.submarine.logshipper;
