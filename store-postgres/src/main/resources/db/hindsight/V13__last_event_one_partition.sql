-- Hindsight PostgreSQL engine, schema 13: the group append's per-aggregate lookup reads one partition.
-- The group append (store-postgres: AppendCall) reads each aggregate's last event to check the expected version and
-- timestamp. As a LATERAL subquery over the partitioned events its key is a value of the outer row, so the partition is
-- chosen at run time: the cached generic plan names, locks and starts an index scan in every partition (16 by
-- default, past the 16 fast-path lock slots) for every batch. last_event(agg) reads the same row from the one
-- partition that holds the aggregate: a CASE over the partitions, each branch a static query of its own (cached plan,
-- one partition, one lock).
-- The partition is PostgreSQL's hash partitioning of a text key: hashtextextended(key, HASH_PARTITION_SEED) combined
-- with a zero seed (hash_combine64: + 0x49a0f4dd15e5a8e3), unsigned, modulo the modulus. Before reading, the branch
-- asks the server itself (satisfies_hash_partition) whether the key belongs there; if not (a server that hashes
-- differently), the function reads events as before. Built from the catalog, so an existing store keeps whatever
-- partitions it was created with; a store whose partitions are not one modulus with every remainder gets the plain
-- lookup. STABLE: the query runs in the calling statement's snapshot, as the subquery did.
DO $$
DECLARE
    parts    text[];
    modulus  int;
    n        int := 0;
    body     text;
    rec      record;
    fallback text := 'RETURN QUERY SELECT e.version, e.ts, e.ts_nanos FROM ${schema}.events e'
        || ' WHERE e.aggregate_id = agg ORDER BY e.version DESC LIMIT 1;';
BEGIN
    FOR rec IN
        SELECT c.relname,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid),
                             '^FOR VALUES WITH \(modulus (\d+), remainder (\d+)\)$')) AS m
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = '${schema}.events'::regclass
    LOOP
        n := n + 1;
        IF rec.m IS NULL OR (modulus IS NOT NULL AND rec.m[1]::int <> modulus) THEN
            parts := NULL;
            modulus := -1;
            EXIT;
        END IF;
        modulus := rec.m[1]::int;
        IF parts IS NULL THEN
            parts := array_fill(NULL::text, ARRAY[modulus]);
        END IF;
        parts[rec.m[2]::int + 1] := rec.relname;
    END LOOP;
    IF modulus IS NULL OR modulus < 1 OR n <> modulus OR array_position(parts, NULL) IS NOT NULL THEN
        body := fallback;
    ELSE
        body := 'r := (((hashtextextended(agg, 8816678312871386365)::numeric + 18446744073709551616'
            || ' + 5305509591434766563) % 18446744073709551616) % ' || modulus || ')::int;'
            || E'\n    IF NOT satisfies_hash_partition(' || '''${schema}.events''::regclass::oid, ' || modulus
            || E', r, agg) THEN\n        ' || fallback || E'\n        RETURN;\n    END IF;\n    CASE r\n';
        FOR i IN 0..modulus - 1 LOOP
            body := body || '    WHEN ' || i || ' THEN RETURN QUERY SELECT e.version, e.ts, e.ts_nanos FROM '
                || format('%I.%I', '${schema}', parts[i + 1])
                || E' e WHERE e.aggregate_id = agg ORDER BY e.version DESC LIMIT 1;\n';
        END LOOP;
        body := body || '    END CASE;';
    END IF;
    EXECUTE format($f$
CREATE FUNCTION %I.last_event(agg text) RETURNS TABLE (version bigint, ts timestamptz, ts_nanos smallint)
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    r int;
BEGIN
    %s
END
$fn$
$f$, '${schema}', body);
END
$$;
