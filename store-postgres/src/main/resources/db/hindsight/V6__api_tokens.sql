-- Hindsight PostgreSQL engine, schema 6: API tokens (issue 15). Only the SHA-256 of each token is kept.
CREATE TABLE ${schema}.api_tokens (
    name       text        NOT NULL PRIMARY KEY,
    role       text        NOT NULL CHECK (role IN ('reader', 'writer', 'admin')),
    prefix     text,
    sha256     text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);
