-- Hindsight PostgreSQL engine, schema 11: read_page2, read_page without the head for unfiltered reads.
-- read_page computes the head (the last position below the bound, a max over every partition's position index) for
-- every page. A reader only needs it after a short page, to move past events its filter skipped; an unfiltered short
-- page already holds every visible event after p_after, so its last event is the head (and an empty one leaves the
-- reader at p_after). The head is the dearest part of a reader's page at the head of the log (~120-160 us of server CPU
-- of ~370 under 1,000 appends/s, docs/benchmarks.md session 20). read_page2 returns NULL as the head of unfiltered
-- pages and computes it for filtered ones; everything else is read_page's (V9). read_page stays for processes of
-- earlier versions, which read the head of every page.
CREATE FUNCTION ${schema}.read_page2(p_after bigint, p_limit int, p_types text[], p_prefix text)
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
    IF p_types IS NOT NULL OR p_prefix IS NOT NULL THEN
        h := coalesce((SELECT max(e.position) FROM ${schema}.events e WHERE e.position < bound), 0);
    END IF;
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
