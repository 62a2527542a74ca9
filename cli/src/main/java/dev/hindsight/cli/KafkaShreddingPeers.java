package dev.hindsight.cli;

import dev.hindsight.store.kafka.KafkaEventLog;
import dev.hindsight.store.kafka.KafkaOptions;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which writing nodes of one Kafka topic may run together under crypto-shredding. Each node publishes a tag through the
 * ownership group ({@link KafkaEventLog#open(dev.hindsight.store.kafka.KafkaOptions, String, String)}) and, once it
 * has joined, refuses to serve if another node's differs in a way that would leak or lose personal data:
 *
 * <ul>
 *   <li>{@value #LOCAL}: a master key and {@code --role all}. Its read model (and, without {@code --pg-url}, its
 *       subject keys) live in its data directory, where a forget through another node would not reach: it must be the
 *       only node of the topic.
 *   <li>{@value #SHARED}: a master key and {@code --role api} with {@code --pg-url}: keys, read model and snapshots in
 *       PostgreSQL, shared by every node and role. Any number of such nodes, and only such nodes.
 *   <li>no tag: no master key (personal fields stored as given); refused next to nodes that encrypt them.
 * </ul>
 *
 * Two nodes that join at the same moment may both refuse. Stateless.
 */
final class KafkaShreddingPeers {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaShreddingPeers.class);
    /** Longest the check before joining waits for the group's description (an unreachable cluster fails later). */
    private static final Duration PRE_CHECK = Duration.ofSeconds(5);

    static final String LOCAL = "shred-local";
    static final String SHARED = "shred-shared";

    private KafkaShreddingPeers() {}

    /**
     * Opens the store as a writing node publishing {@code tag}, checking the other writing nodes before it joins
     * (joining moves partitions: refusing before spares them a rebalance; a failure to list them is left to the second
     * check) and again once it has joined (a node that joined meanwhile). An untagged node that cannot list the others
     * after joining only logs it; a tagged one refuses.
     *
     * @throws CliException if the node may not serve beside another, or a tagged node cannot list them
     */
    static KafkaEventLog open(KafkaOptions options, @Nullable String advertisedUrl, @Nullable String tag) {
        List<KafkaEventLog.Peer> before;
        try {
            Duration quick = options.requestTimeout().compareTo(PRE_CHECK) < 0 ? options.requestTimeout() : PRE_CHECK;
            before = KafkaEventLog.peers(
                    options.withTimeouts(options.sessionTimeout(), options.maxPollInterval(), quick));
        } catch (RuntimeException e) {
            before = List.of();
        }
        check(tag, before, options.topic());
        KafkaEventLog log = KafkaEventLog.open(options, advertisedUrl, tag);
        try {
            check(tag, log.peers(), options.topic());
        } catch (CliException e) {
            log.close();
            throw e;
        } catch (RuntimeException e) {
            if (tag != null) {
                log.close();
                throw new CliException("cannot list the other nodes of topic " + options.topic()
                        + " (crypto-shredding needs to know how they keep personal data): " + e.getMessage());
            }
            LOG.warn("cannot list the other nodes of topic {}: {}", options.topic(), e.toString());
        }
        return log;
    }

    /** The tag of a writing node with or without a master key, running split roles or not. */
    static @Nullable String tag(boolean masterKey, boolean splitRoles) {
        return !masterKey ? null : splitRoles ? SHARED : LOCAL;
    }

    /**
     * @param tag this node's tag
     * @param peers the other writing nodes of the topic
     * @throws CliException naming the first node this one cannot run beside, and what to do
     */
    static void check(@Nullable String tag, List<KafkaEventLog.Peer> peers, String topic) {
        for (KafkaEventLog.Peer p : peers) {
            String node = p.url() == null ? "another node (no advertised URL)" : "the node at " + p.url();
            if (LOCAL.equals(tag)) {
                throw new CliException("crypto-shredding on --store kafka with --role all keeps this node's read model"
                        + " (and, without --pg-url, its subject keys) in its data directory, out of reach of a forget"
                        + " through another node, so it must be the only node of topic " + topic + ", but " + node
                        + " serves it. Run one node per topic, or several with --role api and --pg-url (plus"
                        + " --role read-model and --role snapshots processes), where keys, read model and snapshots"
                        + " are shared in PostgreSQL");
            }
            if (SHARED.equals(tag) && !SHARED.equals(p.tag())) {
                throw new CliException(
                        LOCAL.equals(p.tag())
                                ? node + " serves topic " + topic
                                        + " with a master key and --role all (its read model and keys local): it must"
                                        + " stay alone; stop it, or run it with --role api and --pg-url"
                                : node + " serves topic " + topic + " without a master key, storing personal fields in"
                                        + " clear: give every node of the topic the same --master-key-file (or"
                                        + " $" + ShreddingOptions.ENV + ")");
            }
            if (tag == null && (LOCAL.equals(p.tag()) || SHARED.equals(p.tag()))) {
                throw new CliException(node + " serves topic " + topic + " with crypto-shredding (a master key): start"
                        + " this node with the same --master-key-file (or $" + ShreddingOptions.ENV + "), else it"
                        + " would store personal fields in clear");
            }
        }
    }
}
