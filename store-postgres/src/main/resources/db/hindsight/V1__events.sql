-- Hindsight PostgreSQL engine, schema 1: the event log.
-- Placeholders: ${schema} (the schema Flyway creates and migrates), ${partitions} (hash partitions of events).
-- Design notes: docs/adr/0004-postgres-global-order.md.

-- One row per aggregate: its version and the timestamp of its last event, which the append checks need. Appends update
-- it under the aggregate's advisory lock (below), so appends are serialized per aggregate (never across aggregates)
-- and the expected-version check is exact. Updates touch no indexed column: with free space on the page (fillfactor)
-- they are HOT updates.
CREATE TABLE ${schema}.streams (
    aggregate_id text   NOT NULL PRIMARY KEY,
    version      bigint NOT NULL,
    last_ts_sec  bigint NOT NULL,
    last_ts_nano int    NOT NULL
) WITH (fillfactor = 70);

-- The events. position = (xid8 of the appending transaction << 20) + index of the event within that transaction:
-- the global order. A reader only returns rows whose transaction is older than the oldest transaction still running
-- (pg_snapshot_xmin), so no event can later commit below a position it has returned (ADR 0004).
-- event_data and metadata are json, not jsonb: json keeps the exact text (key order, number spelling) that the
-- idempotency check and clients compare, and still rejects malformed input.
-- ts / ts_nanos: metadata.timestamp (microseconds + the remaining nanoseconds); recorded_at: transaction time.
CREATE TABLE ${schema}.events (
    position       bigint      NOT NULL,
    version        bigint      NOT NULL,
    ts             timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    event_id       uuid        NOT NULL,
    schema_version int         NOT NULL,
    ts_nanos       smallint    NOT NULL,
    aggregate_id   text        NOT NULL,
    event_type     text        NOT NULL,
    event_data     json        NOT NULL,
    metadata       json        NOT NULL,
    PRIMARY KEY (aggregate_id, version)
) PARTITION BY HASH (aggregate_id);

CREATE INDEX events_position ON ${schema}.events (position);

-- Event ids are unique across the whole store (an id reused on another aggregate is rejected). A unique index on a
-- partitioned table must contain the partition key, so events cannot enforce this by itself: this table does (and
-- locates the stored event for an idempotent retry). Unpartitioned: an insert into it stays cheap.
CREATE TABLE ${schema}.event_ids (
    event_id     uuid   NOT NULL PRIMARY KEY,
    version      bigint NOT NULL,
    aggregate_id text   NOT NULL
);

DO $$
BEGIN
    FOR i IN 0..${partitions} - 1 LOOP
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.events FOR VALUES WITH (MODULUS %s, REMAINDER %s)',
                '${schema}', 'events_p' || i, '${schema}', ${partitions}, i);
    END LOOP;
END
$$;

-- Appends (store-postgres: SingleAppend, AppendCall) take transaction-scoped advisory locks before they write anything
-- (and so before they get a transaction id): one exclusive lock per aggregate,
-- hashtextextended('<schema>/<aggregate id>', 1752066404), in key order, then the store's shared "appender" lock
-- (hashtext('<schema>') & 2147483647, 1752066404) right before the first write. Advisory locks need no transaction
-- id, so of two transactions appending to one aggregate the later one always gets the larger id, and the global order
-- (by id) agrees with every aggregate's version order.

-- The position below which the log is final. Every appending transaction holds the store's appender lock from just
-- before it gets its id until it ends. From one snapshot taken first: N, the next transaction id, and X, the oldest
-- running one. Then one read of the lock table: an appender with an id below N that has not ended holds the appender
-- lock and (granted, exclusive) the lock on its own id, and the oldest of those bounds what can still commit; later
-- appenders get ids >= N. An appender caught between getting its id and locking it shows the appender lock alone; its
-- id, if below N, was running at the snapshot, so X bounds it (this falls back to the cluster-wide X only for that
-- instant). Rows below the bound, read by a later statement, are final. Transactions that do not append to this store
-- (other schemas and databases, migrations, read models) do not hold the bound back, as pg_snapshot_xmin alone would.
CREATE FUNCTION ${schema}.visible_bound() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    snap     pg_snapshot := pg_current_snapshot();
    next_xid bigint := pg_snapshot_xmax(snap)::text::bigint;
    bound    bigint := pg_snapshot_xmax(snap)::text::bigint;
    oldest   bigint;
    unknown  boolean;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        -- Each statement must see a newer snapshot than the one before; a single snapshot would break the argument.
        RAISE EXCEPTION 'the Hindsight log must be read in READ COMMITTED, not %',
            current_setting('transaction_isolation');
    END IF;
    SELECT min(v.xid32), bool_or(v.xid32 IS NULL) INTO oldest, unknown
      FROM (SELECT l.virtualtransaction,
                   bool_or(l.locktype = 'advisory') AS appender,
                   max(l.transactionid::text::bigint) FILTER (WHERE l.locktype = 'transactionid') AS xid32
              FROM pg_locks l
             WHERE (l.locktype = 'advisory' AND l.granted
                    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    AND l.classid = (hashtext('${schema}') & 2147483647)::oid AND l.objid = 1752066404::oid
                    AND l.objsubid = 2)
                OR (l.locktype = 'transactionid' AND l.granted AND l.mode = 'ExclusiveLock')
             GROUP BY l.virtualtransaction) v
     WHERE v.appender;
    IF oldest IS NOT NULL THEN
        -- pg_locks shows 32-bit ids: put the epoch back (a running id is within 2^31 of the next one).
        oldest := ((next_xid >> 32) << 32) + oldest;
        IF oldest > next_xid THEN
            oldest := oldest - (1::bigint << 32);
        END IF;
        bound := least(bound, oldest);
    END IF;
    IF unknown THEN
        bound := least(bound, pg_snapshot_xmin(snap)::text::bigint);
    END IF;
    RETURN bound << 20;
END
$fn$;

-- The last visible position (0 when none).
CREATE FUNCTION ${schema}.head() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
    bound bigint := ${schema}.visible_bound();
BEGIN
    RETURN coalesce((SELECT max(e.position) FROM ${schema}.events e WHERE e.position < bound), 0);
END
$fn$;

-- A page of the global log after p_after, gap-free: only positions below the visible bound. Every row carries the
-- head (last visible position) of the same read; an empty page is one row whose event columns are NULL.
-- p_types / p_prefix: NULL for no filter. The bound is computed before the rows are read (see visible_bound).
-- Bitmap scans and sorts are off so that the page is always read as a merge of the partitions' position indexes that
-- stops after p_limit rows (the planner cannot estimate the bound, and a sorted bitmap scan of everything after
-- p_after is ruinous during catch-up).
CREATE FUNCTION ${schema}.read_all(p_after bigint, p_limit int, p_types text[], p_prefix text)
RETURNS TABLE (head bigint, "position" bigint, aggregate_id text, version bigint, event_id uuid, event_type text,
               schema_version int, event_data json, metadata json, ts timestamptz, ts_nanos smallint,
               recorded_at timestamptz)
LANGUAGE plpgsql VOLATILE
SET enable_bitmapscan = off
SET enable_sort = off
AS $fn$
DECLARE
    bound bigint := ${schema}.visible_bound();
    h     bigint;
BEGIN
    h := coalesce((SELECT max(e.position) FROM ${schema}.events e WHERE e.position < bound), 0);
    RETURN QUERY
        SELECT h, e.position, e.aggregate_id, e.version, e.event_id, e.event_type, e.schema_version, e.event_data,
               e.metadata, e.ts, e.ts_nanos, e.recorded_at
          FROM ${schema}.events e
         WHERE e.position > p_after AND e.position < bound
           AND (p_types IS NULL OR e.event_type = ANY (p_types))
           AND (p_prefix IS NULL OR starts_with(e.aggregate_id, p_prefix))
         ORDER BY e.position
         LIMIT p_limit;
    IF NOT FOUND THEN
        RETURN QUERY SELECT h, NULL::bigint, NULL::text, NULL::bigint, NULL::uuid, NULL::text, NULL::int, NULL::json,
                            NULL::json, NULL::timestamptz, NULL::smallint, NULL::timestamptz;
    END IF;
END
$fn$;
