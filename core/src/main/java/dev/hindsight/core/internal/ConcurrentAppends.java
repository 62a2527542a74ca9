package dev.hindsight.core.internal;

import dev.hindsight.core.AppendOutcome;
import dev.hindsight.core.spi.EventLog;
import dev.hindsight.core.spi.ProposedAppend;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The default {@link EventLog#appendAll}: each aggregate's appends one after another, in batch order, and different
 * aggregates' appends at once on virtual threads, so that an engine's group commit can make one durable write of
 * many. Stateless.
 */
public final class ConcurrentAppends {
    private ConcurrentAppends() {}

    public static List<AppendOutcome> run(EventLog log, List<ProposedAppend> appends) {
        AppendOutcome[] out = new AppendOutcome[appends.size()];
        Map<String, List<Integer>> byAggregate = new LinkedHashMap<>();
        for (int i = 0; i < appends.size(); i++) {
            byAggregate
                    .computeIfAbsent(appends.get(i).aggregateId(), k -> new ArrayList<>())
                    .add(i);
        }
        Collection<List<Integer>> groups = byAggregate.values();
        if (groups.size() == 1) {
            runGroup(log, appends, groups.iterator().next(), out);
        } else {
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                Iterator<List<Integer>> it = groups.iterator();
                while (it.hasNext()) {
                    List<Integer> group = it.next();
                    threads.execute(() -> runGroup(log, appends, group, out));
                }
            } // close() waits for every task
        }
        return Arrays.asList(out);
    }

    private static void runGroup(EventLog log, List<ProposedAppend> appends, List<Integer> group, AppendOutcome[] out) {
        for (int i : group) {
            ProposedAppend a = appends.get(i);
            try {
                out[i] = AppendOutcome.of(log.append(a.aggregateId(), a.expected(), a.events()));
            } catch (RuntimeException e) {
                out[i] = AppendOutcome.failed(e);
            }
        }
    }
}
