/**
 * The one contract test every backend passes ({@link io.submarine.storage.testing.BlobStoreContractTest})
 * and what fixtures need to start real servers. Test scope only: no production module depends on it.
 */
package io.submarine.storage.testing;
