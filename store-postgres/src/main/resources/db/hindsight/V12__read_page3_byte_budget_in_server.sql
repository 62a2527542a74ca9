-- Hindsight PostgreSQL engine, schema 12: read_page3, read_page2 that stops at the page's byte budget in the server.
-- read_page2 returns up to p_limit rows, and the driver holds every row of a result before the first is read: a page
-- of 10,000 events of 1 MiB is 10 GB sent and held, whatever the reader then drops. read_page3 reads the same rows in
-- the same order through a loop, returns each, and stops once the events returned hold p_budget bytes (octet_length
-- of their data's and metadata's text: the UTF-8 bytes, never fewer than the characters the Java engines count,
-- core.spi.PageBudget), so a page always has its first event and at most the budget plus one event; rows past it are
-- never read, not even from TOAST. The closing row (position NULL) carries the archived position as read_page2's does,
-- and "stopped": true when the budget ended the page (its reader resumes right after its last event, not at the head).
-- Why a loop and not one windowed query (read_page3 of session 22, dropped, docs/benchmarks.md): that query's running
-- sums and sort, with enable_sort = off, cost about 10^10, above every JIT threshold, so each call JIT-compiled it
-- (~300 ms); a loop keeps read_page2's plan (its plpgsql FOR fetches ten rows at a time). jit = off all the same: a
-- page's plan never gains from JIT, and a generic plan over a large table can be costed above its threshold.
-- Why not in one statement (a LANGUAGE sql function): the rows must be read by a statement after visible_bound()'s
-- (V1), which needs a variable between two statements. read_page and read_page2 stay for processes of earlier
-- versions during an upgrade.
CREATE FUNCTION ${schema}.read_page3(p_after bigint, p_limit int, p_types text[], p_prefix text, p_budget bigint)
RETURNS TABLE (head bigint, "position" bigint, aggregate_id text, version bigint, event_id uuid, event_type text,
               schema_version int, event_data json, metadata json, ts timestamptz, ts_nanos smallint,
               recorded_at timestamptz, archived bigint, stopped boolean)
LANGUAGE plpgsql VOLATILE
SET enable_bitmapscan = off
SET enable_sort = off
SET jit = off
AS $fn$
DECLARE
    bound bigint := ${schema}.visible_bound();
    used  bigint := 0;
    spent boolean := false;
BEGIN
    IF p_types IS NOT NULL OR p_prefix IS NOT NULL THEN
        head := coalesce((SELECT max(e.position) FROM ${schema}.events e WHERE e.position < bound), 0);
    END IF;
    FOR "position", aggregate_id, version, event_id, event_type, schema_version, event_data, metadata, ts, ts_nanos,
        recorded_at IN
        SELECT e.position, e.aggregate_id, e.version, e.event_id, e.event_type, e.schema_version, e.event_data,
               e.metadata, e.ts, e.ts_nanos, e.recorded_at
          FROM ${schema}.events e
         WHERE e.position > p_after AND e.position < bound
           AND (p_types IS NULL OR e.event_type = ANY (p_types))
           AND (p_prefix IS NULL OR starts_with(e.aggregate_id, p_prefix))
         ORDER BY e.position
         LIMIT p_limit
    LOOP
        RETURN NEXT;
        used := used + octet_length(event_data::text) + octet_length(metadata::text);
        IF used >= p_budget THEN
            spent := true;
            EXIT;
        END IF;
    END LOOP;
    "position" := NULL;
    aggregate_id := NULL;
    version := NULL;
    event_id := NULL;
    event_type := NULL;
    schema_version := NULL;
    event_data := NULL;
    metadata := NULL;
    ts := NULL;
    ts_nanos := NULL;
    recorded_at := NULL;
    archived := coalesce((SELECT c.position::bigint FROM ${schema}.checkpoints c WHERE c.name = '$archive'), 0);
    stopped := spent;
    RETURN NEXT;
END
$fn$;
