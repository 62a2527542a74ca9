-- Hindsight PostgreSQL engine, schema 8: where archived events are, so that reads fall through to the archive
-- (ADR 0017, "The PostgreSQL archive"). Both tables are written by the archiver in the transaction that moves the
-- $archive checkpoint, before the range's rows are deleted; restore leaves them (the objects stay valid).

-- One row per archived object (postgres/segments/<first>-<last>.zlog): its header fields, its block table (the bytes
-- the object holds at table_offset, CRC included: a cold read needs no request for it) and the first position of each
-- block (positions are sparse, so a position is found by binary search over these).
CREATE TABLE ${schema}.archived_segments (
    object_key      text     NOT NULL PRIMARY KEY,
    first_position  bigint   NOT NULL,
    last_position   bigint   NOT NULL,
    records         int      NOT NULL,
    extent          int      NOT NULL,
    blocks          int      NOT NULL,
    table_offset    bigint   NOT NULL,
    bytes           bigint   NOT NULL,
    md5             text     NOT NULL,
    block_table     bytea    NOT NULL,
    block_positions bigint[] NOT NULL
);
CREATE INDEX archived_segments_last ON ${schema}.archived_segments (last_position);

-- One row per aggregate and archived object holding some of its events: the versions there and the blocks holding
-- them, so a read of one aggregate fetches only those blocks.
CREATE TABLE ${schema}.archived_aggregates (
    aggregate_id text   NOT NULL,
    object_key   text   NOT NULL,
    min_version  bigint NOT NULL,
    max_version  bigint NOT NULL,
    blocks       int[]  NOT NULL,
    PRIMARY KEY (aggregate_id, object_key)
);
