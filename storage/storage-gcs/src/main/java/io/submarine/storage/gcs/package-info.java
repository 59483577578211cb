/**
 * The {@code gs://} backend on the Google Cloud Storage client: resumable uploads committed with
 * generation-match preconditions, generation-pinned reads, server-side compose. The Google client
 * appears in no other module; programs reach this one only by scheme.
 */
package io.submarine.storage.gcs;
