package dev.hindsight.store.kafka.internal;

import dev.hindsight.store.kafka.KafkaOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeProducersOptions;
import org.apache.kafka.clients.admin.DescribeProducersResult;
import org.apache.kafka.clients.admin.DescribeTransactionsOptions;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and ends other node writers' transactions for a {@link NodeWriter} that takes partitions over: which producers
 * hold a transaction open on a partition ({@code describeProducers}), and which node-writer transactions of this topic
 * have been open for long (a dead node's, {@code listTransactions} filtered by duration and id pattern). Ending one
 * means initializing a producer with its {@code transactional.id}: the coordinator bumps the epoch and aborts the open
 * transaction (or lets a prepared commit finish first). Thread-safe: the admin client is created once, lazily.
 */
final class HangingTransactions implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HangingTransactions.class);
    /** Kafka's internal topic of group offsets, where a transaction's offset commit is held until it ends. */
    private static final String OFFSETS_TOPIC = "__consumer_offsets";

    private final KafkaOptions options;
    private final String clientId;
    private final String idPrefix;
    private @Nullable Admin admin; // guarded by this

    HangingTransactions(KafkaOptions options, String clientId, String idPrefix) {
        this.options = options;
        this.clientId = clientId;
        this.idPrefix = idPrefix;
    }

    /**
     * For each of {@code partitions} whose leader answered within {@code timeout}: the producer ids holding a
     * transaction open on it. A partition whose leader did not answer in time (slow, gone) or failed is left out, so
     * that it does not hold up the others of the same takeover.
     */
    Map<Integer, List<Long>> openOn(Collection<Integer> partitions, Duration timeout) {
        List<TopicPartition> tps = partitions.stream()
                .map(p -> new TopicPartition(options.topic(), p))
                .toList();
        DescribeProducersResult result =
                admin().describeProducers(tps, new DescribeProducersOptions().timeoutMs(millis(timeout)));
        Map<Integer, List<Long>> open = new HashMap<>();
        for (TopicPartition tp : tps) {
            try {
                List<Long> ids = new ArrayList<>();
                for (ProducerState p : result.partitionResult(tp).get().activeProducers()) {
                    if (p.currentTransactionStartOffset().isPresent()) {
                        ids.add(p.producerId());
                    }
                }
                open.put(tp.partition(), ids);
            } catch (ExecutionException e) {
                LOG.info(
                        "describing the producers of {} failed: {}",
                        tp,
                        e.getCause().toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("interrupted", e);
            }
        }
        return open;
    }

    /**
     * Aborts the node-writer transactions of this topic, except this node's ({@code ownIdPrefix}), that have been open
     * longer than {@code age} and hold one of {@code partitions} (the ones this node takes over), or hold no partition
     * but the group's offsets (a writer that died before its records reached the partitions; its offset commit may be
     * what keeps the partitions' offsets unstable). Another node's transaction on its own partitions, however long it
     * has been open (a big batch, a slow broker), is left alone: aborting it would fail that node's appends, and
     * fencing its producer would fail its next batch too.
     *
     * <p>Every request, each abort included, is bounded by what is left until {@code deadline} ({@link System#nanoTime()},
     * the takeover's budget); what is not done by then is left to the caller's next attempt.
     */
    void abortOlderThan(Duration age, String ownIdPrefix, Collection<Integer> partitions, long deadline) {
        List<String> candidates = new ArrayList<>();
        Map<String, TransactionDescription> described;
        try {
            Collection<TransactionListing> listed = admin().listTransactions(new ListTransactionsOptions()
                            .filterStates(List.of(TransactionState.ONGOING))
                            .filterOnDuration(age.toMillis())
                            .filterOnTransactionalIdPattern(Pattern.quote(idPrefix) + ".*")
                            .timeoutMs(millis(left(deadline))))
                    .all()
                    .get();
            for (TransactionListing t : listed) {
                if (!t.transactionalId().startsWith(ownIdPrefix)) {
                    candidates.add(t.transactionalId());
                }
            }
            if (candidates.isEmpty()) {
                return;
            }
            described = admin().describeTransactions(
                            candidates, new DescribeTransactionsOptions().timeoutMs(millis(left(deadline))))
                    .all()
                    .get();
        } catch (ExecutionException e) {
            LOG.warn("listing open transactions failed: {}", e.getCause().toString());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        Set<TopicPartition> taken = new HashSet<>();
        partitions.forEach(p -> taken.add(new TopicPartition(options.topic(), p)));
        for (Map.Entry<String, TransactionDescription> e : described.entrySet()) {
            Set<TopicPartition> held = e.getValue().topicPartitions();
            boolean onTaken = held.stream().anyMatch(taken::contains);
            boolean offsetsOnly = held.stream().allMatch(tp -> tp.topic().equals(OFFSETS_TOPIC));
            if (!onTaken && !offsetsOnly) {
                LOG.debug("leaving transaction {} open: it holds {}, none of {}", e.getKey(), held, taken);
                continue;
            }
            String id = e.getKey();
            Duration left = left(deadline);
            if (left.isZero()) {
                LOG.info("not aborting transaction {} now: the takeover's time is up (retried)", id);
                continue;
            }
            LOG.info("aborting transaction {}: open longer than {} on a partition this node takes over", id, age);
            KafkaProducer<byte[], byte[]> fencer = Clients.fencer(options, id, clientId + "-fencer", left);
            try {
                fencer.initTransactions();
            } catch (KafkaException ex) {
                LOG.warn("aborting transaction {} failed: {}", id, ex.toString());
            } finally {
                fencer.close(Duration.ZERO); // nothing to send; an initialization still under way is given up
            }
        }
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    /** A request timeout in milliseconds for an admin call: at least 1 (0 would not send it at all). */
    private static int millis(Duration timeout) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }

    private synchronized Admin admin() {
        Admin a = admin;
        if (a == null) {
            a = Admin.create(Clients.admin(options, clientId + "-txn-admin"));
            admin = a;
        }
        return a;
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ZERO);
            admin = null;
        }
    }
}
