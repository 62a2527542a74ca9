package dev.hindsight.store.kafka.internal;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.RecordedEvent;
import dev.hindsight.core.spi.AppendChecks;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.store.kafka.KafkaOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The steps of one group-commit batch that both writers share ({@link PartitionWriter}: one partition per
 * transaction; {@link NodeWriter}: every owned partition in one transaction): checking the queued requests against the
 * index and the requests before them, sending the accepted events, and recording what a committed transaction wrote
 * in this node's index and cache. Stateless; the caller holds its writer's lock.
 */
final class Batch {
    private Batch() {}

    /**
     * Checks {@code batch} in order. A request whose event ids repeat an earlier request's in the same batch goes to
     * {@code deferred} (checked after that one is stored); an idempotent retry or a failed check completes the request
     * here.
     *
     * @return the accepted requests, with {@link AppendRequest#accept} called, in batch order
     */
    static List<AppendRequest> check(List<AppendRequest> batch, AggregateReader reader, List<AppendRequest> deferred) {
        return check(batch, reader, deferred, new Overlay(new HashMap<>(), new HashSet<>()));
    }

    /**
     * What the batches written but not yet committed add to the index: each aggregate's new tail and the event ids
     * (a pipelined batch is checked while the one before it commits, so against the index plus this).
     */
    record Overlay(Map<String, PartitionIndex.Tail> tails, Set<UUID> ids) {
        static final Overlay EMPTY = new Overlay(Map.of(), Set.of());

        /** What {@code written} (checked against {@code checked}) adds: their aggregates' tails and event ids. */
        static Overlay of(List<AppendRequest> written, Overlay checked) {
            Map<String, PartitionIndex.Tail> tails = new HashMap<>();
            Set<UUID> ids = new HashSet<>();
            for (AppendRequest r : written) {
                tails.put(r.aggregateId, checked.tails().get(r.aggregateId));
                r.events.forEach(e -> ids.add(e.eventId()));
            }
            return new Overlay(tails, ids);
        }

        Overlay copy() {
            return new Overlay(new HashMap<>(tails), new HashSet<>(ids));
        }
    }

    /**
     * Checks {@code batch} as {@link #check(List, AggregateReader, List)} does, against the index plus
     * {@code overlay}, to which it adds the accepted requests' tails and event ids (a request repeating an id in the
     * overlay is deferred too).
     */
    static List<AppendRequest> check(
            List<AppendRequest> batch, AggregateReader reader, List<AppendRequest> deferred, Overlay overlay) {
        List<AppendRequest> toWrite = new ArrayList<>();
        Map<String, PartitionIndex.Tail> tails = overlay.tails();
        Set<UUID> ids = overlay.ids();
        for (AppendRequest r : batch) {
            if (r.events.stream().anyMatch(e -> ids.contains(e.eventId()))) {
                deferred.add(r);
                continue;
            }
            try {
                AppendResult retry =
                        AppendChecks.idempotentResult(r.events, e -> reader.byIdAnywhere(r.partition, e.eventId()));
                if (retry != null) {
                    r.complete(retry);
                    continue;
                }
                PartitionIndex.Tail tail = tails.get(r.aggregateId);
                if (tail == null) {
                    tail = reader.tail(r.partition, r.aggregateId);
                }
                List<ProposedEvent> accepted = AppendChecks.checkNewAppend(
                        r.aggregateId, r.expected, tail.version(), tail.lastTimestamp(), r.events);
                r.accept(accepted, tail.version() + 1);
                tails.put(
                        r.aggregateId,
                        new PartitionIndex.Tail(
                                tail.version() + accepted.size(),
                                accepted.getLast().timestamp(),
                                -1));
                r.events.forEach(e -> ids.add(e.eventId()));
                toWrite.add(r);
            } catch (RuntimeException e) {
                r.fail(e);
            }
        }
        return toWrite;
    }

    /** Sends the accepted events of {@code requests} inside the producer's open transaction. */
    static List<List<Future<RecordMetadata>>> send(
            KafkaProducer<byte[], byte[]> p, KafkaOptions options, List<AppendRequest> requests, Instant now) {
        List<List<Future<RecordMetadata>>> sent = new ArrayList<>(requests.size());
        for (AppendRequest r : requests) {
            List<Future<RecordMetadata>> own = new ArrayList<>(r.accepted.size());
            for (int i = 0; i < r.accepted.size(); i++) {
                own.add(p.send(
                        RecordCodec.encode(options.topic(), r.partition, r.accepted.get(i), r.firstVersion + i, now)));
            }
            sent.add(own);
        }
        return sent;
    }

    /**
     * After the commit: indexes and caches the events here now (the indexer skips them later), so the next check and
     * reads on this node see them, wakes waiters, and completes the requests with their results.
     */
    static void recordCommitted(
            List<AppendRequest> requests,
            List<List<Future<RecordMetadata>>> sent,
            KafkaOptions options,
            RecordCache cache,
            Indexer indexer,
            List<PartitionIndex> indexes,
            Instant now)
            throws ExecutionException, InterruptedException {
        long[] lastOffsets = new long[requests.size()];
        for (int i = 0; i < requests.size(); i++) {
            AppendRequest r = requests.get(i);
            List<Future<RecordMetadata>> own = sent.get(i);
            PartitionIndex index = indexes.get(r.partition);
            for (int j = 0; j < own.size(); j++) {
                RecordMetadata written = own.get(j).get();
                long offset = written.offset();
                ProposedEvent e = r.accepted.get(j);
                long version = r.firstVersion + j;
                cache.put(
                        r.partition,
                        offset,
                        new RecordedEvent(
                                e.eventId(),
                                r.aggregateId,
                                e.eventType(),
                                e.schemaVersion(),
                                e.eventData(),
                                e.metadata(),
                                version,
                                RecordCodec.positionOf(r.partition, offset, options.partitions()),
                                e.timestamp(),
                                now),
                        written.timestamp());
                index.add(offset, r.aggregateId, e.eventId(), version, e.timestamp());
                lastOffsets[i] = offset;
            }
        }
        indexer.signal();
        for (int i = 0; i < requests.size(); i++) {
            AppendRequest r = requests.get(i);
            r.complete(new AppendResult(
                    r.aggregateId,
                    r.firstVersion,
                    r.firstVersion + r.accepted.size() - 1,
                    RecordCodec.positionOf(r.partition, lastOffsets[i], options.partitions())));
        }
    }
}
