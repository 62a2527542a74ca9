-- Hindsight PostgreSQL engine, schema 4: appends no longer keep a row per aggregate.
-- The version and last timestamp an append checks are read from the aggregate's last event (the primary key of events,
-- read backwards) under the aggregate's advisory lock, by a statement whose snapshot is taken after the lock; the
-- streams row that V1 kept for that cost an UPDATE per append (ADR 0004, amendment of 2026-11-26). events holds every
-- version and timestamp streams did, so nothing is lost.
DROP TABLE ${schema}.streams;
