package dev.hindsight.store.kafka;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.EventFilter;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.GlobalSlice;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Position;
import dev.hindsight.core.ReadDirection;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.StoreClosedException;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.core.spi.StorageUse;
import dev.hindsight.store.kafka.internal.AggregateReader;
import dev.hindsight.store.kafka.internal.GlobalMerge;
import dev.hindsight.store.kafka.internal.IndexDirLock;
import dev.hindsight.store.kafka.internal.Indexer;
import dev.hindsight.store.kafka.internal.NodeWriter;
import dev.hindsight.store.kafka.internal.OwnerDirectory;
import dev.hindsight.store.kafka.internal.Ownership;
import dev.hindsight.store.kafka.internal.PartitionIndex;
import dev.hindsight.store.kafka.internal.PartitionWriter;
import dev.hindsight.store.kafka.internal.PartitionWriters;
import dev.hindsight.store.kafka.internal.RecordCache;
import dev.hindsight.store.kafka.internal.RecordCodec;
import dev.hindsight.store.kafka.internal.RecordFetcher;
import dev.hindsight.store.kafka.internal.TopicSetup;
import dev.hindsight.store.kafka.internal.Writers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * The Kafka engine: a store is one topic, partitioned by aggregate id (Kafka's default partitioner hash of the UTF-8
 * aggregate id), one record per event (format: {@link RecordCodec}). Positions are {@link Position.Vector}s of
 * per-partition offsets; {@link #totallyOrdered()} is false: the global log is ordered per partition, so per
 * aggregate.
 *
 * <p>Several nodes may open the same topic: a consumer group assigns each partition to one node, whose transactional
 * producer is its only writer (older owners are fenced); an append whose aggregate lives in a partition this node does
 * not own fails with {@link NotPartitionOwnerException} (a redirect, not a forward). Every node indexes every partition
 * on local disk, so reads work on any node (they may lag the owner by the indexing delay). A node that only consumes
 * ({@link #openReader}) indexes and reads the same way but owns nothing and refuses appends. A topic's index directory
 * belongs to one node at a time (locked). See {@code docs/adr/0010-kafka-engine.md}.
 *
 * <p>Durability: {@code acks=all} with the topic's {@code min.insync.replicas}; an append returns once its
 * transaction committed and this node's index has it (so it is visible to reads here). Thread-safe.
 */
public final class KafkaEventLog implements EventLog {
    /** Recent events kept decoded for aggregate reads without a fetch (bounded; a few KB each at most). */
    private static final int RECORD_CACHE = 16_384;
    /**
     * Newest events kept per partition for global reads near the head without a fetch: {@value} over all partitions
     * (at least 256 each), some tens of seconds of the seed's load.
     */
    private static final int TAIL_EVENTS = 32_768;
    /**
     * System property overriding {@link #TAIL_EVENTS} exactly (no per-partition minimum; {@code 0}: every global read
     * fetches from Kafka), read when a log opens: for tests that compare both read paths.
     */
    public static final String TAIL_EVENTS_PROPERTY = "hindsight.kafka.tailEvents";
    /**
     * System property naming the writer protocol (ADR 0010), read when a log opens: {@code node} (default) writes each
     * batch of a lane of owned partitions in one transaction, fenced by the ownership group's generation;
     * {@code partition} keeps transactional producers per partition, fenced by their {@code transactional.id}.
     */
    public static final String WRITER_PROPERTY = "hindsight.kafka.writer";

    private final KafkaOptions options;
    private final int partitions;
    private final String clientPrefix;
    private final OwnerDirectory owners;
    private final List<PartitionIndex> indexes;
    private final RecordFetcher fetcher;
    private final Indexer indexer;
    private final AggregateReader reader;
    private final @Nullable Writers writers; // null: a reader, which never appends
    private final @Nullable Ownership ownership; // null: a reader
    private final RecordCache cache;
    private final IndexDirLock dirLock;
    private final AtomicBoolean closed = new AtomicBoolean();

    private KafkaEventLog(
            KafkaOptions options,
            List<PartitionIndex> indexes,
            RecordFetcher fetcher,
            String prefix,
            @Nullable String advertisedUrl,
            @Nullable String tag,
            boolean writer,
            IndexDirLock dirLock) {
        this.dirLock = dirLock;
        this.clientPrefix = prefix;
        this.owners = new OwnerDirectory(options, prefix, advertisedUrl);
        this.options = options;
        this.partitions = options.partitions();
        this.indexes = indexes;
        this.fetcher = fetcher;
        long[] tailStarts = new long[partitions];
        for (int p = 0; p < partitions; p++) {
            tailStarts[p] = indexes.get(p).head(); // the indexer brings every later record, in order
        }
        Integer tailEvents = Integer.getInteger(TAIL_EVENTS_PROPERTY);
        this.cache = new RecordCache(
                RECORD_CACHE,
                tailStarts,
                tailEvents == null ? Math.max(256, TAIL_EVENTS / partitions) : tailEvents / partitions);
        this.indexer = new Indexer(options, indexes, cache, prefix);
        this.reader = new AggregateReader(indexes, fetcher, cache, partitions);
        this.writers = !writer
                ? null
                : !"partition".equals(System.getProperty(WRITER_PROPERTY, "node"))
                        ? new NodeWriter(options, prefix, indexer, indexes, cache, fetcher, reader)
                        : new PartitionWriters(
                                options,
                                p -> new PartitionWriter(options, p, prefix, indexer, indexes, cache, fetcher, reader));
        this.ownership = writers == null ? null : new Ownership(options, prefix, advertisedUrl, tag, writers);
    }

    /**
     * Opens the store: creates the topic if it does not exist (else takes its partition count), opens the local
     * indexes, starts indexing and joins the ownership group, and waits until this node's first partitions are ready.
     *
     * @throws StoreUnavailableException if Kafka cannot be reached or ownership is not settled within the request
     *     timeout
     */
    public static KafkaEventLog open(KafkaOptions requested) {
        return open(requested, null);
    }

    /**
     * Opens the store as {@link #open(KafkaOptions)} does, for a node whose HTTP API is at {@code advertisedUrl}: the
     * URL is published through the ownership group, so that the other nodes can name this one as the owner of its
     * partitions ({@link NotPartitionOwnerException#owner()}, an HTTP redirect).
     */
    public static KafkaEventLog open(KafkaOptions requested, @Nullable String advertisedUrl) {
        return open(requested, advertisedUrl, null, true);
    }

    /**
     * Opens the store as {@link #open(KafkaOptions, String)} does, publishing {@code tag} ({@code [a-z0-9-]+}) through
     * the ownership group too, so that nodes can check that they agree on how they may share the topic
     * ({@link #peers()}).
     *
     * @throws IllegalArgumentException if the tag has other characters
     */
    public static KafkaEventLog open(KafkaOptions requested, @Nullable String advertisedUrl, @Nullable String tag) {
        return open(requested, advertisedUrl, tag, true);
    }

    /**
     * Opens the store read-only, for a process that only consumes the log ({@code serve --role read-model} or
     * {@code snapshots}): it indexes every partition and serves reads and subscriptions as {@link #open} does, but joins
     * no ownership group, so it never takes a partition from a writing node (nor delays their rebalances), and
     * {@link #append} fails with {@link ReadOnlyStoreException}. Creates the topic if it does not exist, as
     * {@link #open} does.
     *
     * @throws StoreUnavailableException if Kafka cannot be reached
     */
    public static KafkaEventLog openReader(KafkaOptions requested) {
        return open(requested, null, null, false);
    }

    private static KafkaEventLog open(
            KafkaOptions requested, @Nullable String advertisedUrl, @Nullable String tag, boolean writer) {
        if (tag != null) {
            OwnerDirectory.clientId("", null, tag); // checks the tag before anything is opened
        }
        String prefix = "hindsight-" + requested.topic() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong());
        KafkaOptions options = TopicSetup.ensureTopic(requested, prefix);
        IndexDirLock dirLock;
        try {
            dirLock = IndexDirLock.acquire(options.indexDir().resolve(options.topic()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock the index of topic '" + options.topic() + "'", e);
        }
        List<PartitionIndex> indexes = new ArrayList<>();
        RecordFetcher fetcher;
        try {
            fetcher = new RecordFetcher(options, prefix, 4);
        } catch (RuntimeException e) {
            dirLock.close();
            throw e;
        }
        KafkaEventLog log = null;
        try {
            List<Integer> all = new ArrayList<>();
            for (int p = 0; p < options.partitions(); p++) {
                indexes.add(PartitionIndex.open(
                        options.indexDir().resolve(options.topic()).resolve("p-" + p), p, options.memtableEvents()));
                all.add(p);
            }
            Map<Integer, Long> ends = fetcher.stableEnds(all);
            for (PartitionIndex idx : indexes) {
                if (idx.resumeOffset() > ends.get(idx.partition())) {
                    idx.clear(); // the topic was recreated: the index describes records that no longer exist
                }
            }
            log = new KafkaEventLog(options, indexes, fetcher, prefix, advertisedUrl, tag, writer, dirLock);
            log.indexer.start();
            Ownership ownership = log.ownership;
            if (ownership == null) {
                return log;
            }
            ownership.start();
            if (!ownership.awaitFirstAssignment(options.requestTimeout())) {
                log.close();
                throw new StoreUnavailableException("no partition assignment from the ownership group of topic '"
                        + options.topic() + "' within " + options.requestTimeout());
            }
            return log;
        } catch (IOException e) {
            indexes.forEach(PartitionIndex::close);
            fetcher.close();
            dirLock.close();
            throw new UncheckedIOException("cannot open the index of topic '" + options.topic() + "'", e);
        } catch (InterruptedException e) {
            if (log != null) {
                log.close(); // only the ownership wait throws it, once the log exists
            }
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while opening", e);
        } catch (RuntimeException e) {
            if (log != null) {
                log.close();
            } else {
                indexes.forEach(PartitionIndex::close);
                fetcher.close();
                dirLock.close();
            }
            throw e;
        }
    }

    /** The options in force (with the topic's actual partition count). */
    public KafkaOptions options() {
        return options;
    }

    /** Partitions this node owns (writes) now, ascending; none for a {@linkplain #openReader reader}. */
    public List<Integer> ownedPartitions() {
        return ownership == null ? List.of() : ownership.ownedPartitions();
    }

    /**
     * Another node writing this topic: a member of its ownership group.
     *
     * @param url its advertised HTTP base URL, or null
     * @param tag the tag it opened the store with ({@link #open(KafkaOptions, String, String)}), or null
     */
    public record Peer(@Nullable String url, @Nullable String tag) {}

    /**
     * The other nodes writing this topic now (the ownership group's members but this node), from a fresh description
     * of the group; empty for a {@linkplain #openReader reader}, which is not a member. A node killed moments ago may
     * still be listed until its session times out.
     *
     * @throws StoreUnavailableException if the group cannot be described within the request timeout
     */
    public List<Peer> peers() {
        ensureOpen();
        Ownership o = ownership;
        if (o == null) {
            return List.of();
        }
        List<Peer> out = new ArrayList<>();
        for (OwnerDirectory.Member m : owners.members()) {
            if (!m.clientId().equals(o.clientId())) {
                out.add(new Peer(m.url(), m.tag()));
            }
        }
        return out;
    }

    /**
     * The nodes writing the topic of {@code options} now, without opening it (so without joining its ownership group):
     * for a node to check, before it joins, that it may serve beside them.
     *
     * @throws StoreUnavailableException if the group cannot be described within the request timeout
     */
    public static List<Peer> peers(KafkaOptions options) {
        try (OwnerDirectory directory = new OwnerDirectory(
                options,
                "hindsight-" + options.topic() + "-"
                        + Long.toHexString(ThreadLocalRandom.current().nextLong()),
                null)) {
            return directory.members().stream()
                    .map(m -> new Peer(m.url(), m.tag()))
                    .toList();
        }
    }

    /**
     * Reads some partitions without the others: up to {@code limit} events of {@code partitions} after {@code after}'s
     * entries for them, in the order {@link #readAll} returns them (so each partition in offset order), from this
     * node's index. The slice's next position is {@code after} with those entries moved past every record read, kept
     * or filtered out; the other entries are unchanged.
     *
     * @throws InvalidRequestException if a partition does not exist or {@code after} is not a position of this store
     */
    public GlobalSlice readPartitions(Collection<Integer> partitions, Position after, int limit, EventFilter filter) {
        ensureOpen();
        long[] from = cursor(after);
        long[] head = from.clone(); // the merge reads only the partitions whose head is past their start
        for (int p : partitions) {
            checkPartition(p);
            head[p] = Math.max(from[p], indexes.get(p).head());
        }
        return new GlobalMerge(from, head, limit).fetch(cache, fetcher).page(limit, filter, this.partitions);
    }

    /**
     * Waits until this node has indexed a record of one of {@code partitions} after {@code after}'s entry for it.
     *
     * @return whether it has (false on timeout or when the log closes)
     */
    public boolean awaitPartitions(Collection<Integer> partitions, Position after, Duration timeout)
            throws InterruptedException {
        long[] from = cursor(after);
        List<Integer> ps = List.copyOf(partitions);
        ps.forEach(this::checkPartition);
        return indexer.await(
                        () -> {
                            for (int p : ps) {
                                if (indexes.get(p).head() > from[p]) {
                                    return true;
                                }
                            }
                            return closed.get();
                        },
                        timeout)
                && !closed.get();
    }

    /**
     * Joins consumer group {@code group} over this store's topic as a member that never reads records through the
     * group: the group splits the partitions between its members, and {@code listener} hears which this process
     * holds. For processes that share work by partition (the {@code read-model} role), reading through this node's
     * index ({@link #readPartitions}); independent of the ownership group, so it works on a {@linkplain #openReader
     * reader}. Close the membership to leave the group (before closing this log).
     */
    public GroupMembership joinGroup(String group, PartitionListener listener) {
        ensureOpen();
        return new GroupMembership(options, clientPrefix + "-member", group, listener).start();
    }

    private void checkPartition(int partition) {
        if (partition < 0 || partition >= partitions) {
            throw new InvalidRequestException("partition " + partition + " does not exist (topic " + options.topic()
                    + " has " + partitions + ")");
        }
    }

    /** Whether this log was opened with {@link #openReader}: it reads and never appends. */
    public boolean readOnly() {
        return ownership == null;
    }

    /** The partition of {@code aggregateId}. */
    public int partitionOf(String aggregateId) {
        return RecordCodec.partitionOf(aggregateId, partitions);
    }

    @Override
    public AppendResult append(String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        ensureOpen();
        Writers w = writers;
        if (w == null) {
            throw new ReadOnlyStoreException(options.topic());
        }
        // a node whose indexer or ownership thread died serves no write: it would answer "not the owner" (the group
        // keeps its partitions until its poll interval runs out) or check appends against an index that no longer
        // follows the topic; the reason is the one GET /health answers 503 with
        Optional<String> stopped = stoppedReason();
        if (stopped.isPresent()) {
            throw new StoreUnavailableException(stopped.get());
        }
        int p = partitionOf(aggregateId);
        if (!w.assigned(p)) {
            throw new NotPartitionOwnerException(options.topic(), p, owners.ownerOf(p));
        }
        return w.append(p, aggregateId, expected, events);
    }

    @Override
    public List<RecordedEvent> readAggregate(String aggregateId, long fromVersion, int limit, ReadDirection direction) {
        ensureOpen();
        return reader.read(
                partitionOf(aggregateId), aggregateId, fromVersion, limit, direction == ReadDirection.FORWARD);
    }

    @Override
    public long aggregateVersion(String aggregateId) {
        ensureOpen();
        return reader.tail(partitionOf(aggregateId), aggregateId).version();
    }

    @Override
    public GlobalSlice readAll(Position after, int limit, EventFilter filter) {
        ensureOpen();
        long[] from = cursor(after);
        long[] head = heads();
        return new GlobalMerge(from, head, limit).fetch(cache, fetcher).page(limit, filter, partitions);
    }

    @Override
    public Position start() {
        return new Position.Vector(new long[partitions]);
    }

    @Override
    public Position head() {
        return new Position.Vector(heads());
    }

    @Override
    public boolean awaitAfter(Position after, Duration timeout) throws InterruptedException {
        long[] from = cursor(after);
        return indexer.await(
                        () -> {
                            for (int p = 0; p < partitions; p++) {
                                if (indexes.get(p).head() > from[p]) {
                                    return true;
                                }
                            }
                            return closed.get();
                        },
                        timeout)
                && !closed.get();
    }

    /**
     * Events this node has indexed (all partitions, not only the owned ones) and the bytes the topic takes in the
     * brokers' log directories, every replica counted. Asks the brokers: not for hot paths.
     */
    @Override
    public StorageUse storage() {
        ensureOpen();
        long events = 0;
        for (PartitionIndex index : indexes) {
            events += index.events();
        }
        return new StorageUse(events, TopicSetup.diskBytes(options, clientPrefix));
    }

    /**
     * Why this node stopped serving for good, if it did: its indexer failed (it indexes nothing more, so its reads
     * lag for ever and it cannot take partitions over) or its ownership thread did (it writes nothing more). Only a
     * reopen recovers; {@code GET /health} then answers 503 so that a supervisor restarts the process, and
     * {@link #append} fails with this reason ({@link StoreUnavailableException}).
     */
    @Override
    public Optional<String> stoppedReason() {
        Optional<String> indexing = indexer.stoppedReason();
        return indexing.isPresent() || ownership == null ? indexing : ownership.stoppedReason();
    }

    @Override
    public boolean totallyOrdered() {
        return false;
    }

    /** Stops the ownership thread as a stalled node would, without giving partitions up (fault tests only). */
    void freezeOwnership() {
        if (ownership != null) {
            ownership.freeze();
        }
    }

    /** Lets a frozen ownership thread run again. */
    void thawOwnership() {
        if (ownership != null) {
            ownership.thaw();
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (ownership != null) {
            ownership.close();
        }
        owners.close();
        indexer.close();
        indexes.forEach(PartitionIndex::close);
        fetcher.close();
        dirLock.close();
    }

    private long[] heads() {
        long[] h = new long[partitions];
        for (int p = 0; p < partitions; p++) {
            h[p] = indexes.get(p).head();
        }
        return h;
    }

    private long[] cursor(Position after) {
        return switch (after) {
            case Position.Sequence s -> {
                if (s.value() != 0) {
                    throw new InvalidRequestException("position '" + s
                            + "' is not a position of this store: it is partitioned, use p:offset,...");
                }
                yield new long[partitions];
            }
            case Position.Vector v -> {
                long[] o = v.offsets();
                if (o.length > partitions) {
                    throw new InvalidRequestException(
                            "position '" + v + "' has more than " + partitions + " partitions");
                }
                yield java.util.Arrays.copyOf(o, partitions);
            }
        };
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new StoreClosedException("the store is closed");
        }
    }
}
