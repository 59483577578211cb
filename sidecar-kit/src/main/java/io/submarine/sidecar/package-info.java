/**
 * What every container program shares, so they behave alike in a pod: flags that each have an
 * environment variable ({@code cli}), documented exit codes and the termination message
 * ({@code lifecycle}), JSON logs on stderr with secrets redacted ({@code log}), the
 * {@code /healthz}, {@code /readyz} and {@code /metrics} endpoint ({@code health}), and a
 * shutdown deadline. It knows nothing of storage or the metastore and must not depend on them.
 */
package io.submarine.sidecar;
