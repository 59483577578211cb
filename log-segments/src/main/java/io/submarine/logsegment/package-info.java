/**
 * Log segments as the remote layout stores them: compressed log bytes with their index inside
 * the same object. {@code log-shipper} writes them; the metastore reads line ranges back.
 */
package io.submarine.logsegment;
