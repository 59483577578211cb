/**
 * The thin metastore service: records what the programs report (idempotently) in H2 by default
 * or PostgreSQL in production, and serves it back. It depends on no program; programs reach it
 * only over HTTP through metastore-client.
 */
package io.submarine.metastore;
