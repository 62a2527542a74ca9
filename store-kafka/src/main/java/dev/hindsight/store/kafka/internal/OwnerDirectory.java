package dev.hindsight.store.kafka.internal;

import dev.hindsight.core.StoreUnavailableException;
import dev.hindsight.store.kafka.KafkaOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which node's HTTP API owns each partition, learned from the ownership group itself: a node that advertises its URL
 * puts it, base64url-encoded, at the end of its ownership member's {@code client.id} ({@link #clientId}), and the
 * group's description lists every member's client id with its assigned partitions. No extra topic or registry; the
 * answer is as fresh as the group's last rebalance. Lookups are cached for a second. A node may also carry a short
 * tag, before the URL ({@link #clientId(String, String, String)}), which {@link #members()} reports. Thread-safe.
 */
public final class OwnerDirectory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OwnerDirectory.class);
    private static final String MARK = ".url-";
    private static final String TAG = ".tag-";
    private static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final KafkaOptions options;
    private final String clientPrefix;
    private final @Nullable String self;
    private @Nullable Admin admin; // guarded by this
    private Map<Integer, String> owners = Map.of(); // guarded by this
    private boolean fresh; // guarded by this
    private long refreshedAt; // guarded by this

    public OwnerDirectory(KafkaOptions options, String clientPrefix, @Nullable String advertisedUrl) {
        this.options = options;
        this.clientPrefix = clientPrefix;
        this.self = advertisedUrl;
    }

    /** The ownership member's client id, carrying {@code advertisedUrl} when there is one. */
    public static String clientId(String base, @Nullable String advertisedUrl) {
        return clientId(base, advertisedUrl, null);
    }

    /**
     * The ownership member's client id, carrying {@code tag} ({@code [a-z0-9-]+}, before the URL) and
     * {@code advertisedUrl} when there are.
     *
     * @throws IllegalArgumentException if the tag has other characters
     */
    public static String clientId(String base, @Nullable String advertisedUrl, @Nullable String tag) {
        if (tag != null && !tag.matches("[a-z0-9-]+")) {
            throw new IllegalArgumentException("a node tag is [a-z0-9-]+, not '" + tag + "'");
        }
        String tagged = tag == null ? base : base + TAG + tag;
        return advertisedUrl == null
                ? tagged
                : tagged
                        + MARK
                        + Base64.getUrlEncoder()
                                .withoutPadding()
                                .encodeToString(advertisedUrl.getBytes(StandardCharsets.UTF_8));
    }

    /** The tag a member's client id carries, or null. */
    static @Nullable String tagOf(String clientId) {
        int at = clientId.lastIndexOf(TAG);
        if (at < 0) {
            return null;
        }
        int from = at + TAG.length();
        int end = clientId.indexOf('.', from);
        String tag = clientId.substring(from, end < 0 ? clientId.length() : end);
        return tag.matches("[a-z0-9-]+") ? tag : null;
    }

    /**
     * A member of the ownership group: another node writing the topic.
     *
     * @param clientId its ownership member's client id
     * @param url its advertised HTTP URL, or null
     * @param tag the tag it opened the store with, or null
     */
    public record Member(
            String clientId, @Nullable String url, @Nullable String tag) {}

    /**
     * The ownership group's members now (a fresh description, not the cached owners).
     *
     * @throws StoreUnavailableException if the group cannot be described within the request timeout
     */
    public List<Member> members() {
        String group = Clients.ownerGroup(options);
        try {
            ConsumerGroupDescription d;
            synchronized (this) {
                if (admin == null) {
                    admin = Admin.create(Clients.admin(options, clientPrefix + "-directory"));
                }
                d = admin.describeConsumerGroups(List.of(group))
                        .describedGroups()
                        .get(group)
                        .get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            }
            List<Member> out = new ArrayList<>();
            for (MemberDescription m : d.members()) {
                out.add(new Member(m.clientId(), urlOf(m.clientId()), tagOf(m.clientId())));
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while describing the ownership group " + group, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return List.of(); // no node has joined yet
            }
            throw new StoreUnavailableException(
                    "cannot describe the ownership group " + group + ": " + e.getMessage(), e);
        } catch (TimeoutException e) {
            throw new StoreUnavailableException(
                    "cannot describe the ownership group " + group + ": " + e.getMessage(), e);
        }
    }

    /** The URL a member's client id carries, or null. */
    static @Nullable String urlOf(String clientId) {
        int at = clientId.lastIndexOf(MARK);
        if (at < 0) {
            return null;
        }
        try {
            return new String(
                    Base64.getUrlDecoder().decode(clientId.substring(at + MARK.length())), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The HTTP base URL of the node that owns {@code partition}, or null if unknown, moving or this node. */
    public synchronized @Nullable String ownerOf(int partition) {
        if (!fresh || System.nanoTime() - refreshedAt > REFRESH_NANOS) {
            refresh();
        }
        String owner = owners.get(partition);
        return owner == null || owner.equals(self) ? null : owner;
    }

    private void refresh() {
        fresh = true;
        refreshedAt = System.nanoTime();
        String group = Clients.ownerGroup(options);
        try {
            if (admin == null) {
                admin = Admin.create(Clients.admin(options, clientPrefix + "-directory"));
            }
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group))
                    .describedGroups()
                    .get(group)
                    .get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            Map<Integer, String> next = new HashMap<>();
            for (MemberDescription m : d.members()) {
                String url = urlOf(m.clientId());
                if (url == null) {
                    continue;
                }
                for (TopicPartition tp : m.assignment().topicPartitions()) {
                    if (tp.topic().equals(options.topic())) {
                        next.put(tp.partition(), url);
                    }
                }
            }
            owners = Map.copyOf(next);
        } catch (Exception e) { // any failure only means "owner unknown": the caller answers 503
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.debug("cannot describe the ownership group {}", group, e);
            owners = Map.of();
        }
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(java.time.Duration.ZERO);
            admin = null;
        }
    }
}
