-- Hindsight PostgreSQL engine, schema 12: read_page3, read_page2 with a byte budget (README "page contract").
-- A page of p_limit events was fetched whole: 10,000 events of 1 MiB are 10 GB in the reader's heap (the driver holds
-- every row of a result before the first is read). read_page3 stops a page once the events already in it hold p_budget
-- bytes of event_data and metadata (octet_length of their text), always keeping the first event, and returns with each
-- event the bytes up to and including it ("bytes"): a reader whose last event has bytes >= p_budget knows the page may
-- have stopped early and continues after that event, not at the head. The text lengths are only taken for rows whose
-- stored size (pg_column_size, which reads no TOAST, less its 4-byte header: never more than the text length) still
-- fits the budget, so rows past the end of a page of big events are never read from TOAST. Everything else is
-- read_page2's (V11); read_page and read_page2 stay for processes of earlier versions.
CREATE FUNCTION ${schema}.read_page3(p_after bigint, p_limit int, p_types text[], p_prefix text, p_budget bigint)
RETURNS TABLE (head bigint, "position" bigint, aggregate_id text, version bigint, event_id uuid, event_type text,
               schema_version int, event_data json, metadata json, ts timestamptz, ts_nanos smallint,
               recorded_at timestamptz, archived bigint, bytes bigint)
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
    -- Each size is taken once (OFFSET 0 keeps the subquery from being flattened into both of its uses). Sizes are
    -- never negative, so the running sums only grow and each WHERE keeps a prefix: the page has no holes.
    RETURN QUERY
        SELECT h, r.pos, r.agg, r.ver, r.eid, r.etype, r.sv, r.data, r.meta, r.ts, r.ts_nanos, r.recorded_at,
               NULL::bigint, r.upto::bigint
          FROM (SELECT s.*, sum(s.size) OVER (ORDER BY s.pos ROWS UNBOUNDED PRECEDING) AS upto
                  FROM (SELECT t.pos, t.agg, t.ver, t.eid, t.etype, t.sv, t.data, t.meta, t.ts, t.ts_nanos,
                               t.recorded_at, octet_length(t.data::text) + octet_length(t.meta::text) AS size
                          FROM (SELECT u.*, sum(u.stored) OVER (ORDER BY u.pos ROWS UNBOUNDED PRECEDING) AS stored_upto
                                  FROM (SELECT e.position AS pos, e.aggregate_id AS agg, e.version AS ver,
                                               e.event_id AS eid, e.event_type AS etype, e.schema_version AS sv,
                                               e.event_data AS data, e.metadata AS meta, e.ts, e.ts_nanos,
                                               e.recorded_at,
                                               greatest(pg_column_size(e.event_data) - 4, 0)
                                                   + greatest(pg_column_size(e.metadata) - 4, 0) AS stored
                                          FROM ${schema}.events e
                                         WHERE e.position > p_after AND e.position < bound
                                           AND (p_types IS NULL OR e.event_type = ANY (p_types))
                                           AND (p_prefix IS NULL OR starts_with(e.aggregate_id, p_prefix))
                                         ORDER BY e.position
                                         LIMIT p_limit) u) t
                         WHERE t.stored_upto - t.stored < p_budget
                        OFFSET 0) s) r
         WHERE r.upto - r.size < p_budget
         ORDER BY r.pos;
    a := coalesce((SELECT c.position::bigint FROM ${schema}.checkpoints c WHERE c.name = '$archive'), 0);
    RETURN QUERY SELECT h, NULL::bigint, NULL::text, NULL::bigint, NULL::uuid, NULL::text, NULL::int, NULL::json,
                        NULL::json, NULL::timestamptz, NULL::smallint, NULL::timestamptz, a, NULL::bigint;
END
$fn$;
