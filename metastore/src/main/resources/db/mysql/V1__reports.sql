-- MySQL/MariaDB dialect of db/migration/V1 (same tables, same meaning). utf8mb4_bin: names compare
-- case-sensitively, as on H2 and PostgreSQL; LONGTEXT: a payload may be as large as the body limit.
CREATE TABLE reports (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind            VARCHAR(40)  NOT NULL,
    idempotency_key VARCHAR(200) NOT NULL,
    namespace       VARCHAR(253) NOT NULL,
    pod             VARCHAR(253) NOT NULL,
    pod_uid         VARCHAR(64)  NOT NULL,
    container       VARCHAR(253) NOT NULL,
    restart_count   INT          NOT NULL,
    owner_kind      VARCHAR(32)  NOT NULL,
    owner_name      VARCHAR(253) NOT NULL,
    payload         LONGTEXT     NOT NULL,
    received_at     DATETIME(6)  NOT NULL,
    CONSTRAINT reports_idempotent UNIQUE (kind, idempotency_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE INDEX reports_by_pod ON reports (namespace, pod, kind, id);
CREATE INDEX reports_by_owner ON reports (owner_kind, owner_name, kind, id);
