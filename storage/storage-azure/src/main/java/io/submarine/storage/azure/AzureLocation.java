package io.submarine.storage.azure;

import io.submarine.storage.Location;
import io.submarine.storage.StorageConfigException;

/**
 * An Azure blob taken apart, from either spelling:
 * {@code abfs[s]://container@account.dfs.core.windows.net/key} (Hadoop's) or
 * {@code https://account.blob.core.windows.net/container/key} (the blob endpoint's).
 */
record AzureLocation(String account, String container, String key) {

    static final String BLOB_HOST_SUFFIX = ".blob.core.windows.net";

    static AzureLocation of(Location location) {
        switch (location.scheme()) {
            case "abfs", "abfss" -> {
                int at = location.authority().indexOf('@');
                if (at <= 0 || at == location.authority().length() - 1) {
                    throw new StorageConfigException("write Azure locations as abfss://container@account.dfs.core.windows.net/path, got " + location);
                }
                String host = location.authority().substring(at + 1);
                int dot = host.indexOf('.');
                return new AzureLocation(dot < 0 ? host : host.substring(0, dot), location.authority().substring(0, at), location.path());
            }
            case "https" -> {
                String host = location.authority();
                if (!host.endsWith(BLOB_HOST_SUFFIX)) {
                    throw new StorageConfigException("not an Azure blob endpoint (" + BLOB_HOST_SUFFIX + "): " + location);
                }
                String path = location.path();
                int slash = path.indexOf('/');
                if (slash <= 0 && path.isEmpty()) {
                    throw new StorageConfigException("Azure blob URL names no container: " + location);
                }
                return new AzureLocation(host.substring(0, host.length() - BLOB_HOST_SUFFIX.length()),
                        slash < 0 ? path : path.substring(0, slash), slash < 0 ? "" : path.substring(slash + 1));
            }
            default -> throw new StorageConfigException("not an Azure location: " + location);
        }
    }

    /** The location of {@code otherKey} in the same container, spelled like {@code like}. */
    static Location sibling(Location like, String otherKey) {
        if (like.scheme().equals("https")) {
            String container = AzureLocation.of(like).container();
            return new Location(like.scheme(), like.authority(), container + "/" + otherKey);
        }
        return new Location(like.scheme(), like.authority(), otherKey);
    }
}
