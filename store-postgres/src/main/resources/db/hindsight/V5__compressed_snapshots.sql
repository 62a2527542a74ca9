-- Hindsight PostgreSQL engine, schema 5: snapshot states are stored zstd-compressed (ADR 0011). A row has either the
-- state as json (written before this version) or state_zstd (one zstd frame of the state's UTF-8 bytes, with its
-- content size); rows of 0.7 KB are below PostgreSQL's TOAST threshold, so json states were stored uncompressed.
ALTER TABLE ${schema}.snapshots ALTER COLUMN state DROP NOT NULL;
ALTER TABLE ${schema}.snapshots ADD COLUMN state_zstd bytea;
ALTER TABLE ${schema}.snapshots ADD CONSTRAINT snapshots_one_state CHECK ((state IS NULL) <> (state_zstd IS NULL));
