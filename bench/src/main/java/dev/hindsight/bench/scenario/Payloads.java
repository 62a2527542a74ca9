package dev.hindsight.bench.scenario;

import dev.hindsight.core.EventData;
import java.util.ArrayList;
import java.util.List;

/** Event payloads of a given size, shaped like an order event. Stateless, thread-safe. */
public final class Payloads {
    public static final String EVENT_TYPE = "OrderPlaced";

    private Payloads() {}

    /**
     * A JSON object of {@code bytes} characters (at least its fixed fields' size): a few order fields and a padding
     * string.
     */
    public static String json(int bytes, long seed) {
        String head = "{\"order_id\":\"o-" + seed + "\",\"customer_id\":\"c-" + (seed % 997) + "\",\"amount_minor\":"
                + (1000 + seed % 9000) + ",\"currency\":\"EUR\",\"note\":\"";
        String tail = "\"}";
        int pad = Math.max(0, bytes - head.length() - tail.length());
        StringBuilder sb = new StringBuilder(bytes).append(head);
        for (int i = 0; i < pad; i++) {
            sb.append((char) ('a' + (i * 7 + seed) % 26));
        }
        return sb.append(tail).toString();
    }

    /** {@code n} events of {@code bytes}-byte payloads, without ids (the store assigns them). */
    public static List<EventData> events(int n, int bytes, long seed) {
        List<EventData> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(EventData.of(EVENT_TYPE, json(bytes, seed + i)));
        }
        return List.copyOf(out);
    }
}
