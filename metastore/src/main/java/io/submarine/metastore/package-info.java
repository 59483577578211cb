/**
 * The thin metastore service: records what the programs report (idempotently) in H2 by default
 * or PostgreSQL in production, and serves it back. It depends on no program; programs reach it
 * only over HTTP through metastore-client.
 *
 * <p>One package per concern, each with its routes, its storage and its tests: {@code reports}
 * (what the programs report), {@code resources} (what users manage), {@code mlflow} (MLflow's
 * tracking API), {@code metrics} (metric points and their history), {@code logs} (logs read back
 * from storage); on a core of {@code api} (the router, bodies and errors), {@code auth} (tokens
 * and roles) and {@code db} (the pool and migrations). This package starts the program and wires
 * the concerns together.
 */
package io.submarine.metastore;
