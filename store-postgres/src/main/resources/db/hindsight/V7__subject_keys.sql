-- Hindsight PostgreSQL engine, schema 7: crypto-shredding (issue 15). Each subject's data key, wrapped by the master
-- key, under an HMAC of the subject's id (never the id itself). Forgetting a subject deletes its row.
CREATE TABLE ${schema}.subject_keys (
    subject_ref text  NOT NULL PRIMARY KEY,
    key_id      text  NOT NULL UNIQUE,
    wrapped_key bytea NOT NULL
);
