-- Hindsight PostgreSQL engine, schema 10: visible_bound() takes each running appender's smallest transaction id, its
-- top-level one, which its positions carry (pg_current_xact_id() is the top-level id in a subtransaction too). It took
-- the largest: an appender that also wrote in a subtransaction (an inline hook's savepoint, a driver's autosave) held
-- the bound only at that subtransaction's id, so a later appender committed below it was read before the appender's
-- own events, which then committed below what readers had returned (ADR 0004, amendment of 2026-12-07).
CREATE OR REPLACE FUNCTION ${schema}.visible_bound() RETURNS bigint
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
    -- Per appender (virtual transaction): the smallest id it holds exclusively. A transaction's top-level id is
    -- assigned before any of its subtransactions' ids, so this is the id its positions carry. The ids are 32-bit
    -- here, and an appender's ids lie within 2^31 of each other, so the smallest must be taken in the epoch-adjusted
    -- order: relative to next_xid, as below.
    SELECT min(v.xid), bool_or(v.xid IS NULL) INTO oldest, unknown
      FROM (SELECT l.virtualtransaction,
                   bool_or(l.locktype = 'advisory') AS appender,
                   min(CASE WHEN ((next_xid >> 32) << 32) + l.transactionid::text::bigint > next_xid
                            THEN ((next_xid >> 32) << 32) + l.transactionid::text::bigint - (1::bigint << 32)
                            ELSE ((next_xid >> 32) << 32) + l.transactionid::text::bigint END)
                       FILTER (WHERE l.locktype = 'transactionid') AS xid
              FROM pg_locks l
             WHERE (l.locktype = 'advisory' AND l.granted
                    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    AND l.classid = (hashtext('${schema}') & 2147483647)::oid AND l.objid = 1752066404::oid
                    AND l.objsubid = 2)
                OR (l.locktype = 'transactionid' AND l.granted AND l.mode = 'ExclusiveLock')
             GROUP BY l.virtualtransaction) v
     WHERE v.appender;
    IF oldest IS NOT NULL THEN
        bound := least(bound, oldest);
    END IF;
    IF unknown THEN
        bound := least(bound, pg_snapshot_xmin(snap)::text::bigint);
    END IF;
    RETURN bound << 20;
END
$fn$;
