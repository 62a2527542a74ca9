package dev.hindsight.bench.httpref;

/** A running reference server. */
interface RefServer {
    /** Stops listening and serving. */
    void stop() throws Exception;
}
