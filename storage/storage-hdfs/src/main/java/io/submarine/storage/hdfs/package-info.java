/**
 * The {@code hdfs://} backend on the Hadoop client: writes are staged in hidden sibling files
 * and renamed into place; Kerberos or simple authentication; Hadoop settings pass through as
 * {@code hdfs.conf.*}. The Hadoop client appears in no other module; programs reach this one
 * only by scheme through {@link io.submarine.storage.BlobStores}.
 */
package io.submarine.storage.hdfs;
