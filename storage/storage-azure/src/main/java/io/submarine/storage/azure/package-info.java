/**
 * The Azure Blob backend ({@code abfs://}, {@code abfss://}, {@code https://<account>.blob.core.windows.net/})
 * on the Azure Storage Blob SDK: staged blocks committed conditionally, append blobs. Credentials
 * from files only. The Azure SDK appears in no other module; programs reach this one only by scheme.
 */
package io.submarine.storage.azure;
