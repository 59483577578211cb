/**
 * The init container that puts code (git repositories, archives, single files) under
 * {@code /code} and model versions under {@code /models} before the task starts, each source
 * all-or-nothing: staged beside its target and renamed into place. It reads through the storage
 * library and reports through the sidecar-kit conventions; it must not depend on another program.
 */
package io.submarine.localizer;
