/**
 * The {@code s3://} backend on the AWS SDK v2, for AWS and S3-compatible stores (MinIO, Ceph,
 * s3proxy). The AWS SDK appears in no other module; programs reach this one only through
 * {@link io.submarine.storage.BlobStores} by scheme.
 */
package io.submarine.storage.s3;
