/**
 * What the shippers share: log segments as the remote layout stores them (compressed log bytes
 * with their index inside the same object; {@code log-shipper} writes them, the metastore reads
 * line ranges back), and the atomically replaced state file a shipper keeps its local state in
 * ({@code log-shipper} and {@code metrics-sidecar}).
 */
package io.submarine.logsegment;
