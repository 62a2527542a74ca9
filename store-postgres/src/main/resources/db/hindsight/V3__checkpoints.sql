-- Hindsight PostgreSQL engine, schema 3: durable cursors of named consumers (positions in their wire form).
CREATE TABLE ${schema}.checkpoints (
    name       text        NOT NULL PRIMARY KEY,
    position   text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
