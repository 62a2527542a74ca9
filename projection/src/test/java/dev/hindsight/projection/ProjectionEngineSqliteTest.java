package dev.hindsight.projection;

import java.nio.file.Path;

/** The projection runner on the embedded default: a SQLite read model on disk. */
class ProjectionEngineSqliteTest extends ProjectionEngineContract {
    @Override
    protected ReadModelDatabase openDatabase(Path dir) {
        return ReadModelDatabase.sqlite(dir.resolve("readmodel.db"));
    }
}
