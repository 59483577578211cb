/**
 * The storage contract every program uses: {@link io.submarine.storage.BlobStore}, the typed
 * {@link io.submarine.storage.Location}, the error types, and {@link io.submarine.storage.BlobStores},
 * which finds the backend for a URI scheme at run time. It holds the {@code file://} and
 * {@code memory://} stores; every other backend lives in its own module so that no cloud SDK
 * reaches a program that does not use it. This module must not depend on any SDK.
 */
package io.submarine.storage;
