/**
 * Implementation of the file log; not API.
 *
 * <h2>On-disk format</h2>
 *
 * <p>A data directory holds {@code LOCK} (held with an OS file lock while open) and {@code segments/}. A segment is
 * named by the zero-padded position of its first event ({@code 00000000000000000001.log}), preallocated (sparse) to
 * the configured segment size, and starts with a 64-byte header: magic {@code HSLOG001}, format version (int), base
 * position (long). Records follow, one per event, each framed as
 *
 * <pre>
 * int   length       payload length N
 * int   crc32c       over flags and payload
 * byte  flags        bit 0: COMMIT, set on the last event of an append (atomic batches);
 *                    bit 1: BATCH_END, set on the last event of one group-commit write
 * N bytes payload:   long position, long version, long recordedAt (epoch micros), long timestamp seconds,
 *                    int timestamp nanos, int schemaVersion, long eventId msb, long eventId lsb,
 *                    short aggregateId length, short eventType length, int data length, int metadata length,
 *                    long batchStart (position of the first event of its group-commit write), then aggregateId, eventType, data, metadata (UTF-8)
 * </pre>
 *
 * <p>A zero length marks the end of written data. A scanned segment's records must have valid CRCs, consecutive
 * positions and per-aggregate consecutive versions; the index entries are rebuilt from them. Events after the last
 * COMMIT record are an unfinished append and are dropped. In the last segment a bad record is a torn tail, and is
 * truncated (the file is cut and re-extended, so stale bytes become zeros), unless a complete later write follows it
 * (a valid BATCH_END record whose batchStart lies beyond the bad record): then, as for a bad record in an older
 * segment, it is corruption of acknowledged data and open fails naming the file and offset.
 *
 * <h2>Compressed segments</h2>
 *
 * <p>A sealed segment is rewritten in the background as {@code <base>.zlog} (ADR 0012): the same records at the same
 * offsets of the plain layout, cut into blocks of whole records and compressed.
 *
 * <pre>
 * header (64 bytes): 8 bytes magic "HSZLOG01", int format (2; 1 from earlier builds is still read), long base
 *                    position, int block count, long table offset, int extent (end of the last record in the plain
 *                    layout), int record count, int codec (1: zstd), int crc32c of bytes 0..43, zero padding
 * blocks:            zstd frames, each the plain bytes [start(i), start(i+1)) (the last up to extent)
 * block table:       per block: int plain start offset, long file offset, int compressed length (top bit: field
 *                    deltas), int crc32c of the compressed bytes; then int crc32c of the table
 * </pre>
 *
 * <p>Field deltas (format 2; {@code FieldDeltas}): before compression, in each record after the block's first, the
 * position, recordedAt, timestamp seconds and batchStart fields hold the difference to the previous record's; a
 * reader decompresses, walks the records by their lengths and adds them back, so the block is the plain bytes again.
 *
 * <p>A plain and a compressed file of the same base: the compressed one is complete (it is renamed into place only
 * after it was fsynced) and the plain one is deleted on open; {@code .zlog.tmp} files are unfinished and deleted.
 * Archived segments are the same {@code .zlog} files in the object store under {@code segments/}, listed (with their
 * header fields and MD5) in {@code manifest.json}, also kept as {@code <data-dir>/archive/manifest.json}. Their block
 * tables are also kept locally, as {@code <data-dir>/archive/tables/<base>.ztab} ({@code ArchivedTables}): a 64-byte
 * header (magic {@code HSZTAB01}, int format 1, long base, int block count, long table offset, long object size, 16
 * bytes object MD5, int crc32c of bytes 0..55), then the object's block table bytes as stored (entries and their CRC).
 * A missing, damaged or mismatched one is fetched again from the object and rewritten.
 *
 * <h2>Snapshot files (format 3, ADR 0011)</h2>
 *
 * <p>A snapshot directory holds {@code LOCK} and one generation: {@code snapshots-<generation>.log} (generation
 * zero-padded to 10 digits), its index {@code snapshots-<generation>.index/} (a {@code HashIndex} named
 * {@code aggregates}: 40-bit hash of the aggregate id → record offset; runs cover byte ranges {@code [from, to]} of the file,
 * {@code to} being the end offset of the last record the run covers) and {@code snapshots-<generation>.state}
 * ({@code long coveredTo, long liveBytes, long dictionaryOffset, int crc32c} of the 24 bytes before; rewritten at each
 * index run; only a compaction trigger and the current dictionary, so a missing or stale one is ignored). The file
 * starts with a 24-byte header: {@code long} magic {@code HSNAPSNP}, {@code int} format (3), {@code long} generation,
 * {@code int} CRC32C of the 20 bytes before. Records follow, each framed {@code int length | int crc32c | payload}
 * (the CRC over the payload), the payload starting with a type byte:
 *
 * <pre>
 * 3 snapshot:   varint (L << 1 | U), L bytes of the aggregate id (UTF-8), if U = 1 followed by 16 bytes (long msb,
 *               long lsb) of a UUID whose canonical lowercase text ends the id; varint version, zigzag varint
 *               timestamp seconds, varint timestamp nanos, varint dictionary (offset of the dictionary record
 *               used, 0: none), varint raw length, then one zstd frame of: varint stateSchema length, stateSchema,
 *               state (UTF-8)
 * 2 dictionary: a zstd dictionary (trained on the generation's first snapshots), the rest of the payload
 * 1 snapshot:   (written by format 2, read only) varint aggregateId length, aggregateId (UTF-8), varint version,
 *               long timestamp seconds, int timestamp nanos, then as type 3 from the dictionary on
 * </pre>
 *
 * <p>Generations of format 2 (earlier builds: type 1 records, index runs of 64-bit hashes) are opened as they are:
 * their index is rebuilt by scanning the file, new records are appended as type 3, and the next compaction writes a
 * format-3 generation.
 *
 * <p>Every record of the file is indexed; which ones are kept is decided by applying the retention rule to all intact
 * records of an aggregate (the last written wins per version), so superseded records are dead bytes until the next
 * compaction, which writes the kept ones to {@code snapshots-<generation+1>.log.tmp} (and its index), forces it, renames
 * it and then deletes the old generation. On open, temp generations and all but the newest generation are deleted, the
 * index is trusted up to its coverage (cleared if it covers more than the file) and the rest of the file is scanned;
 * a record failing its CRC is skipped, a torn tail truncated. A {@code snapshots.log} without header is format 1
 * (earlier builds: frames of {@code short agg length, agg, long version, long seconds, int nanos, short schema length,
 * schema, int state length, state}); it is converted into a new generation 1 on open and then deleted (a conversion
 * cut off by a crash is redone, since the old file is deleted last).
 */
@NullMarked
package dev.hindsight.store.file.internal;

import org.jspecify.annotations.NullMarked;
