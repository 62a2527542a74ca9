-- Hindsight PostgreSQL engine, schema 12: read_page3, read_page2 that stops at the page's byte budget in the server.
-- read_page2 returns up to p_limit rows, and the driver holds every row of a result before the first is read: a page
-- of 10,000 events of 1 MiB is 10 GB sent and held, whatever the reader then drops. read_page3 reads the same rows in
-- the same order through a loop, returns each, and stops once the events returned hold p_budget bytes (octet_length
-- of their data's and metadata's text: the UTF-8 bytes, never fewer than the characters the Java engines count,
-- core.spi.PageBudget), so a page always has its first event and at most the budget plus one event; rows past it are
-- never read, not even from TOAST. The closing row (position NULL) carries the archived position as read_page2's does,
-- and "stopped": true when the budget ended the page (its reader resumes right after its last event, not at the head).
-- Why a loop and not one windowed query (read_page3 of session 22, dropped, docs/benchmarks.md): that query's running
-- sums and sort, with enable_sort = off, were costed at about 10^10, above every JIT threshold, so each call
-- JIT-compiled it (~300 ms); a loop keeps read_page2's plan (plpgsql's FOR fetches ten rows at a time). jit = off all
-- the same: a page's plan never gains from JIT, and a generic plan over a large table can be costed above the
-- threshold. The loop fetches whole rows of read_page3_row (RETURN NEXT of the record copies it as it is): 11-15%
-- more server CPU than read_page2 for a page of small events, against about 30% with eleven OUT variables
-- (docs/benchmarks.md, session 23, h74). Why not in one statement (a LANGUAGE sql function): the rows must be read by a
-- statement after visible_bound()'s (V1), which needs a variable between two statements. read_page and read_page2 stay
-- for processes of earlier versions during an upgrade.
CREATE TYPE ${schema}.read_page3_row AS (
    head bigint, "position" bigint, aggregate_id text, version bigint, event_id uuid, event_type text,
    schema_version int, event_data json, metadata json, ts timestamptz, ts_nanos smallint, recorded_at timestamptz,
    archived bigint, stopped boolean);

CREATE FUNCTION ${schema}.read_page3(p_after bigint, p_limit int, p_types text[], p_prefix text, p_budget bigint)
RETURNS SETOF ${schema}.read_page3_row
LANGUAGE plpgsql VOLATILE
SET enable_bitmapscan = off
SET enable_sort = off
SET jit = off
AS $fn$
DECLARE
    bound bigint := ${schema}.visible_bound();
    h     bigint;
    r     ${schema}.read_page3_row;
    used  bigint := 0;
    spent boolean := false;
BEGIN
    IF p_types IS NOT NULL OR p_prefix IS NOT NULL THEN
        h := coalesce((SELECT max(e.position) FROM ${schema}.events e WHERE e.position < bound), 0);
    END IF;
    FOR r IN
        SELECT h, e.position, e.aggregate_id, e.version, e.event_id, e.event_type, e.schema_version, e.event_data,
               e.metadata, e.ts, e.ts_nanos, e.recorded_at, NULL::bigint, NULL::boolean
          FROM ${schema}.events e
         WHERE e.position > p_after AND e.position < bound
           AND (p_types IS NULL OR e.event_type = ANY (p_types))
           AND (p_prefix IS NULL OR starts_with(e.aggregate_id, p_prefix))
         ORDER BY e.position
         LIMIT p_limit
    LOOP
        RETURN NEXT r;
        used := used + octet_length(r.event_data::text) + octet_length(r.metadata::text);
        IF used >= p_budget THEN
            spent := true;
            EXIT;
        END IF;
    END LOOP;
    -- read after the page's rows, so with a snapshot at least as new (V9)
    RETURN NEXT ROW(h, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                    coalesce((SELECT c.position::bigint FROM ${schema}.checkpoints c WHERE c.name = '$archive'), 0),
                    spent)::${schema}.read_page3_row;
END
$fn$;
