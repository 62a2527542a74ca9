package dev.hindsight.testkit;

import dev.hindsight.core.spi.ObjectStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An {@link ObjectStore} that passes every call to a real one: archive tests extend it and override only what they
 * count, hold or damage (fault injection in front of a real S3 server, not a fake one). {@link #close()} leaves the
 * delegate open unless the subclass says otherwise, since the test that made the real store closes it. The ranged read
 * into a buffer ({@code get(key, offset, ByteBuffer)}) is left to the interface's default, which calls the array one,
 * so a subclass that overrides {@link #get(String, long, int)} sees every ranged read. Thread-safe if the delegate is.
 */
public abstract class ForwardingObjectStore implements ObjectStore {
    /** The store every call goes to. */
    protected final ObjectStore delegate;

    protected ForwardingObjectStore(ObjectStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public void put(String key, Path file) throws IOException {
        delegate.put(key, file);
    }

    @Override
    public void put(String key, byte[] bytes) throws IOException {
        delegate.put(key, bytes);
    }

    @Override
    public byte[] get(String key, long offset, int length) throws IOException {
        return delegate.get(key, offset, length);
    }

    @Override
    public byte @Nullable [] get(String key) throws IOException {
        return delegate.get(key);
    }

    @Override
    public @Nullable ObjectInfo head(String key) throws IOException {
        return delegate.head(key);
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        return delegate.list(prefix);
    }

    @Override
    public void delete(String key) throws IOException {
        delegate.delete(key);
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public void close() {}
}
