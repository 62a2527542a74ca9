package dev.hindsight.projection;

import dev.hindsight.core.EventStore;
import dev.hindsight.store.file.FileEventLog;
import dev.hindsight.store.file.FileLogOptions;
import java.nio.file.Path;

/** Child JVM of {@link ProjectionCrashIT}: runs the cart projection and appends more events until killed. */
public final class ProjectionCrashChild {
    private ProjectionCrashChild() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        EventStore store = EventStore.of(FileEventLog.open(FileLogOptions.defaults(dir.resolve("log"))));
        ReadModelDatabase db = ReadModelDatabase.sqlite(dir.resolve("readmodel.db"));
        ProjectionEngine engine = ProjectionEngine.builder(store, db)
                .add(new CartProjection("carts"), ProjectionOptions.DEFAULT)
                .build()
                .start();
        System.out.println("READY " + engine.status("carts").position());
        System.out.flush();
        long i = 0;
        while (true) {
            ProjectionEngineContract.add(store, "cart-" + (i % 97), "sku-" + (i % 5), 1 + i % 3);
            i++;
        }
    }
}
