/**
 * How every program reports to the metastore: typed reports, idempotency keys derived from what
 * is reported (a retry is a no-op on the server, never a duplicate), retries with backoff, and a
 * disk spool so that nothing is lost while the metastore is down; spooled reports are replayed
 * in order. It must not depend on the metastore service or on any program.
 */
package io.submarine.metastore.client;
