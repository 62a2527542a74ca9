package dev.hindsight.store.kafka.internal;

import dev.hindsight.store.kafka.KafkaOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
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

    /** Producer ids holding a transaction open on any of {@code partitions}. */
    List<Long> openOn(Collection<Integer> partitions) {
        List<TopicPartition> tps = partitions.stream()
                .map(p -> new TopicPartition(options.topic(), p))
                .toList();
        try {
            Map<TopicPartition, PartitionProducerState> states =
                    admin().describeProducers(tps).all().get();
            List<Long> open = new ArrayList<>();
            for (PartitionProducerState s : states.values()) {
                for (ProducerState p : s.activeProducers()) {
                    if (p.currentTransactionStartOffset().isPresent()) {
                        open.add(p.producerId());
                    }
                }
            }
            return open;
        } catch (ExecutionException e) {
            throw new KafkaException("describing the producers of " + partitions, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted", e);
        }
    }

    /**
     * Aborts the node-writer transactions of this topic, except this node's ({@code ownIdPrefix}), that have been open
     * longer than {@code age} and hold one of {@code partitions} (the ones this node takes over), or hold no partition
     * but the group's offsets (a writer that died before its records reached the partitions; its offset commit may be
     * what keeps the partitions' offsets unstable). Another node's transaction on its own partitions, however long it
     * has been open (a big batch, a slow broker), is left alone: aborting it would fail that node's appends, and
     * fencing its producer would fail its next batch too.
     */
    void abortOlderThan(Duration age, String ownIdPrefix, Collection<Integer> partitions) {
        List<String> candidates = new ArrayList<>();
        Map<String, TransactionDescription> described;
        try {
            Collection<TransactionListing> listed = admin().listTransactions(new ListTransactionsOptions()
                            .filterStates(List.of(TransactionState.ONGOING))
                            .filterOnDuration(age.toMillis())
                            .filterOnTransactionalIdPattern(Pattern.quote(idPrefix) + ".*"))
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
            described = admin().describeTransactions(candidates).all().get();
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
            LOG.info("aborting transaction {}: open longer than {} on a partition this node takes over", id, age);
            try (KafkaProducer<byte[], byte[]> fencer = Clients.nodeWriter(options, id, clientId + "-fencer")) {
                fencer.initTransactions();
            } catch (KafkaException ex) {
                LOG.warn("aborting transaction {} failed: {}", id, ex.toString());
            }
        }
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
