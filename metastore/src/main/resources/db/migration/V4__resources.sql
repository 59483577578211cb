-- The small meta data users manage: experiments, templates, notebooks, servings, environments,
-- registered models and model versions. resource_version is the optimistic-concurrency token (ETag).
CREATE TABLE resources (
    kind             VARCHAR(40)  NOT NULL,
    name             VARCHAR(253) NOT NULL,
    resource_version BIGINT       NOT NULL,
    spec             TEXT         NOT NULL,
    created_at       BIGINT       NOT NULL,
    updated_at       BIGINT       NOT NULL,
    PRIMARY KEY (kind, name)
);
