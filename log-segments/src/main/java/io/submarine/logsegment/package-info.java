/**
 * What the shippers share: log segments as the remote layout stores them (compressed log bytes
 * with their index inside the same object; {@code log-shipper} writes them, the metastore reads
 * line ranges back), and what both sidecars ship with ({@code log-shipper} and
 * {@code metrics-sidecar}): uploads in order, each retried until it is through, and the
 * atomically replaced state file they keep their local state in.
 */
package io.submarine.logsegment;
