-- Hindsight PostgreSQL engine, schema 2: aggregate snapshots (derived data; several kept per aggregate).
CREATE TABLE ${schema}.snapshots (
    aggregate_id text        NOT NULL,
    version      bigint      NOT NULL,
    ts           timestamptz NOT NULL,
    ts_nanos     smallint    NOT NULL,
    saved_at     timestamptz NOT NULL DEFAULT now(),
    state_schema text        NOT NULL,
    state        json        NOT NULL,
    PRIMARY KEY (aggregate_id, version)
);
