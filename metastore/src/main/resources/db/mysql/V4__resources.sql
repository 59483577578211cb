-- MySQL/MariaDB dialect of db/migration/V4.
CREATE TABLE resources (
    kind             VARCHAR(40)  NOT NULL,
    name             VARCHAR(253) NOT NULL,
    resource_version BIGINT       NOT NULL,
    spec             LONGTEXT     NOT NULL,
    created_at       BIGINT       NOT NULL,
    updated_at       BIGINT       NOT NULL,
    PRIMARY KEY (kind, name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
