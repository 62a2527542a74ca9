-- Hindsight PostgreSQL engine, schema 9: a global page and the archived position in one round trip.
-- read_all's rows, then one more row (position NULL) whose "archived" column is the archive run's checkpoint
-- ('$archive'), read by a statement after the page's, so with a snapshot at least as new: if the page missed rows an
-- archive run deleted, that run's checkpoint (committed before its deletes) is visible here (ADR 0017).
CREATE FUNCTION ${schema}.read_page(p_after bigint, p_limit int, p_types text[], p_prefix text)
RETURNS TABLE (head bigint, "position" bigint, aggregate_id text, version bigint, event_id uuid, event_type text,
               schema_version int, event_data json, metadata json, ts timestamptz, ts_nanos smallint,
               recorded_at timestamptz, archived bigint)
LANGUAGE plpgsql VOLATILE
SET enable_bitmapscan = off
SET enable_sort = off
AS $fn$
DECLARE
    bound bigint := ${schema}.visible_bound();
    h     bigint;
    a     bigint;
BEGIN
    h := coalesce((SELECT max(e.position) FROM ${schema}.events e WHERE e.position < bound), 0);
    RETURN QUERY
        SELECT h, e.position, e.aggregate_id, e.version, e.event_id, e.event_type, e.schema_version, e.event_data,
               e.metadata, e.ts, e.ts_nanos, e.recorded_at, NULL::bigint
          FROM ${schema}.events e
         WHERE e.position > p_after AND e.position < bound
           AND (p_types IS NULL OR e.event_type = ANY (p_types))
           AND (p_prefix IS NULL OR starts_with(e.aggregate_id, p_prefix))
         ORDER BY e.position
         LIMIT p_limit;
    a := coalesce((SELECT c.position::bigint FROM ${schema}.checkpoints c WHERE c.name = '$archive'), 0);
    RETURN QUERY SELECT h, NULL::bigint, NULL::text, NULL::bigint, NULL::uuid, NULL::text, NULL::int, NULL::json,
                        NULL::json, NULL::timestamptz, NULL::smallint, NULL::timestamptz, a;
END
$fn$;
