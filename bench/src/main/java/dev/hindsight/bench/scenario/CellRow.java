package dev.hindsight.bench.scenario;

/**
 * An engine cell and the raw baselines that replayed its achieved batch size (same bytes per fdatasync), each run
 * right after the engine in the same round; several rounds merge into one row.
 *
 * @param engine the engine measurement
 * @param baseline raw write + fdatasync of the engine's mean bytes per fsync
 * @param baselineEvents events the baseline's fdatasyncs stand for: per round, its syncs × the engine's events per
 *     fsync in that round
 */
public record CellRow(EngineAppendRun.Result engine, RawFsyncBaseline.Result baseline, double baselineEvents) {

    /** A round: the baseline replayed the engine's batches of this round. */
    static CellRow of(EngineAppendRun.Result engine, RawFsyncBaseline.Result baseline) {
        return new CellRow(engine, baseline, baseline.syncs() * engine.eventsPerFsync());
    }

    CellRow merge(CellRow o) {
        return new CellRow(engine.merge(o.engine), baseline.merge(o.baseline), baselineEvents + o.baselineEvents);
    }

    /** What the baseline delivers in events/s with the engine's events per fsync. */
    public double baselineEventsPerSecond() {
        return baselineEvents / baseline.seconds();
    }

    /** Engine events/s ÷ baseline events/s at the same batch size. */
    public double ratio() {
        double b = baselineEventsPerSecond();
        return b == 0 ? 0 : engine.eventsPerSecond() / b;
    }

    /** Engine p99 append latency in units of the baseline's fdatasync p50 at the same batch size. */
    public double p99InFsyncs() {
        long unit = baseline.fsync().p50();
        return unit == 0 ? 0 : (double) engine.latency().p99() / unit;
    }
}
