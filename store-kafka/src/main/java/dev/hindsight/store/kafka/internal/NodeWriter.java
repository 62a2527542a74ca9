package dev.hindsight.store.kafka.internal;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.ExpectedVersion;
import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.core.spi.ProposedEvent;
import dev.hindsight.store.kafka.KafkaOptions;
import dev.hindsight.store.kafka.NotPartitionOwnerException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's writer (Kafka Streams' "exactly-once v2", KIP-447): the owned partitions are split over a few lanes
 * ({@link NodeWriterLane}, {@code hindsight.kafka.writerLanes}, default 4); one group-commit batch of a lane takes the
 * queued appends of all its partitions and writes them in one transaction, which also commits an offset to the
 * ownership group for each partition written, with the member's group metadata. A node that lost its membership
 * (stalled, partitioned) fails at that offset commit because its generation is stale, so its transaction aborts: that
 * is the fence, instead of a {@code transactional.id} per partition.
 *
 * <p>Taking a partition over ({@link #onAssigned}): wait until the group coordinator has no transactional offset
 * commit pending on it and no other producer holds a transaction open on it (a previous owner's transaction commits
 * or aborts first); one that stays open longer than {@link #STALE} (a dead node's) is aborted by fencing its
 * {@code transactional.id} ({@link HangingTransactions}). Then the index catches up to the partition's last stable
 * offset, and only then is the partition ready for checks.
 *
 * <p>Thread-safe: each lane serializes its batches; {@code ready} is a concurrent set read by appenders and batches,
 * written by the ownership thread; a batch only includes partitions that were ready when it started, and
 * {@link #onRevoked} waits for every lane's batch in progress.
 */
public final class NodeWriter implements Writers {
    private static final Logger LOG = LoggerFactory.getLogger(NodeWriter.class);
    /** Transactional producers per lane, used in turn (system property, read when a log opens, for A/B runs). */
    private static final String SLOTS_PROPERTY = "hindsight.kafka.writerSlots";
    /** Lanes: partitions are split over this many (system property, read when a log opens, for A/B runs). */
    private static final String LANES_PROPERTY = "hindsight.kafka.writerLanes";
    /**
     * System property: whether a lane pipelines its batches (checks and sends one while the one before it commits;
     * ADR 0010, session-15 amendment), read when a log opens; default false (opt-in: no same-run win yet).
     */
    public static final String PIPELINE_PROPERTY = "hindsight.kafka.pipeline";
    /** How long another producer's transaction on a partition being taken over may stay open before it is aborted. */
    static final Duration STALE = Duration.ofSeconds(2);
    /** Each wait for pending offset commits; the takeover runs in the ownership callback, within max.poll.interval. */
    private static final Duration OFFSETS_WAIT = Duration.ofMillis(500);

    private final KafkaOptions options;
    private final String clientId;
    private final String idPrefix;
    /** This node's transactional ids: {@code idPrefix} + this node's random suffix + slot. */
    private final String ownIdPrefix;

    private final Indexer indexer;
    private final List<PartitionIndex> indexes;
    private final RecordCache cache;
    private final RecordFetcher fetcher;
    private final AggregateReader reader;
    private final HangingTransactions hanging;

    private final Set<Integer> assigned = ConcurrentHashMap.newKeySet();
    private final Set<Integer> ready = ConcurrentHashMap.newKeySet();
    private final List<NodeWriterLane> lanes = new ArrayList<>();
    private volatile @Nullable ConsumerGroupMetadata group;

    public NodeWriter(
            KafkaOptions options,
            String clientId,
            Indexer indexer,
            List<PartitionIndex> indexes,
            RecordCache cache,
            RecordFetcher fetcher,
            AggregateReader reader) {
        this.options = options;
        this.clientId = clientId;
        this.idPrefix = Clients.nodeTransactionalIdPrefix(options.topic());
        this.ownIdPrefix = idPrefix + clientId.substring(clientId.lastIndexOf('-') + 1) + "-t";
        this.indexer = indexer;
        this.indexes = indexes;
        this.cache = cache;
        this.fetcher = fetcher;
        this.reader = reader;
        this.hanging = new HangingTransactions(options, clientId, idPrefix);
        boolean pipelined = Boolean.parseBoolean(System.getProperty(PIPELINE_PROPERTY, "false"));
        int slots = Math.max(1, Integer.getInteger(SLOTS_PROPERTY, 2));
        int laneCount = Math.max(1, Integer.getInteger(LANES_PROPERTY, 4));
        for (int lane = 0; lane < laneCount; lane++) {
            lanes.add(new NodeWriterLane(
                    options,
                    ownIdPrefix + lane + "-",
                    clientId + "-w" + lane,
                    slots,
                    pipelined,
                    ready,
                    () -> this.group,
                    reader,
                    cache,
                    indexer,
                    indexes));
        }
    }

    @Override
    public boolean assigned(int partition) {
        return assigned.contains(partition);
    }

    @Override
    public AppendResult append(
            int partition, String aggregateId, ExpectedVersion expected, List<ProposedEvent> events) {
        if (!ready.contains(partition)) {
            throw new NotPartitionOwnerException(options.topic(), partition);
        }
        AppendRequest request = new AppendRequest(partition, aggregateId, expected, events);
        lanes.get(partition % lanes.size()).submit(request);
        return request.outcome();
    }

    @Override
    public void onAssigned(Collection<Integer> partitions, ConsumerGroupMetadata group, StableOffsets stableOffsets) {
        this.group = group;
        assigned.addAll(partitions);
        takeOver(partitions.stream().filter(p -> !ready.contains(p)).toList(), stableOffsets);
    }

    @Override
    public void retryFailed(Set<Integer> assignedNow, StableOffsets stableOffsets) {
        // a failed transaction does not stop the node writer (its producer is replaced); a failed takeover does
        takeOver(
                assignedNow.stream()
                        .filter(p -> assigned.contains(p) && !ready.contains(p))
                        .sorted()
                        .toList(),
                stableOffsets);
    }

    /**
     * Makes {@code partitions} ready; the ones not taken over in time stay assigned but not ready, and the next poll
     * retries them. The whole takeover (waiting for earlier transactions, then the index catch-up) gets half of
     * {@code max.poll.interval}: it runs on the ownership thread, and a member that does not poll within the interval
     * is dropped by the group, which takes every partition of this node away (not only the ones taken over), and a
     * node whose catch-up is slow (an index being rebuilt, a busy indexer) would lose and regain them over and over.
     */
    private void takeOver(List<Integer> partitions, StableOffsets stableOffsets) {
        if (partitions.isEmpty()) {
            return;
        }
        long deadline =
                System.nanoTime() + options.maxPollInterval().dividedBy(2).toNanos();
        try {
            List<Integer> settled = settle(partitions, stableOffsets, deadline);
            // each blocking call gets what is left of the budget: one slow answer (a partition's leader slow or
            // gone) must not keep the thread past it, as the request timeout (by default max.poll.interval) did
            Map<Integer, Long> stable = fetcher.stableEnds(settled, left(deadline));
            List<Integer> behind = new ArrayList<>(
                    partitions.stream().filter(p -> !settled.contains(p)).toList());
            for (int p : settled) {
                if (indexer.awaitFetched(p, stable.get(p), left(deadline))) {
                    ready.add(p);
                } else {
                    behind.add(p);
                }
            }
            if (!behind.isEmpty()) {
                LOG.info(
                        "partitions {} are not taken over yet (a leader not answering, or the index behind the stable"
                                + " offsets {}); their takeover is retried on the next poll",
                        behind,
                        stable);
            } else {
                LOG.debug("node writer owns partitions {} (stable offsets {})", partitions, stable);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("taking over partitions {} failed; retried on the next poll: {}", partitions, e.toString());
        }
    }

    /**
     * Waits until no earlier writer's transaction can still change {@code partitions}: no pending transactional offset
     * commit (a transaction that passed the generation check and may still commit) and no open transaction holding
     * records on them. Aborts the ones open longer than {@link #STALE}. A partition whose leader does not answer
     * (slow, gone) is left out, so that it does not keep the others from being taken over: each question gets at
     * most a quarter of the budget, and the others are settled without it.
     *
     * @param deadline {@link System#nanoTime()} by which the takeover must return to the ownership thread's poll
     * @return the partitions settled (at least one)
     */
    private List<Integer> settle(List<Integer> partitions, StableOffsets stableOffsets, long deadline)
            throws InterruptedException {
        Duration budget = options.maxPollInterval().dividedBy(2);
        Duration stale = STALE.compareTo(budget.dividedBy(2)) < 0 ? STALE : budget.dividedBy(2);
        while (true) {
            Duration left = left(deadline);
            boolean offsetsStable =
                    stableOffsets.await(partitions, left.compareTo(OFFSETS_WAIT) < 0 ? left : OFFSETS_WAIT);
            if (offsetsStable) {
                Duration quarter = budget.dividedBy(4);
                Duration ask = left(deadline).compareTo(quarter) < 0 ? left(deadline) : quarter;
                Map<Integer, List<Long>> open = hanging.openOn(partitions, ask);
                if (!open.isEmpty() && open.values().stream().allMatch(List::isEmpty)) {
                    return partitions.stream().filter(open::containsKey).toList();
                }
            }
            if (System.nanoTime() > deadline) {
                throw new StoreUnavailableException("an earlier owner's transaction on partitions " + partitions
                        + " did not end within " + budget + " (retried on the next poll)");
            }
            hanging.abortOlderThan(stale, ownIdPrefix, partitions, deadline);
            Thread.sleep(50);
        }
    }

    /** The time left until {@code deadline} ({@link System#nanoTime()}), zero once it has passed. */
    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    @Override
    public void onRevoked(Collection<Integer> partitions) {
        ready.removeAll(partitions);
        assigned.removeAll(partitions);
        lanes.forEach(NodeWriterLane::awaitBatch); // a batch in progress may still write them
    }

    @Override
    public List<Integer> ready() {
        return ready.stream().sorted().toList();
    }

    @Override
    public void close() {
        ready.clear();
        assigned.clear();
        lanes.forEach(NodeWriterLane::close);
        hanging.close();
    }
}
