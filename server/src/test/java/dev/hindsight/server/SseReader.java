package dev.hindsight.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** Reads a Server-Sent-Events stream on a background thread, parsing frames and comments per the SSE spec. */
final class SseReader implements AutoCloseable {
    record Frame(@Nullable String id, @Nullable String event, String data) {}

    final int status;
    final String contentType;
    final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    final BlockingQueue<String> comments = new LinkedBlockingQueue<>();
    private final InputStream body;
    private final Thread reader;
    volatile boolean ended;

    SseReader(HttpClient http, URI uri, @Nullable String lastEventId) throws IOException, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(uri)
                .header("Accept", "text/event-stream")
                .GET();
        if (lastEventId != null) {
            req.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<InputStream> res = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        this.status = res.statusCode();
        this.contentType = res.headers().firstValue("Content-Type").orElse("");
        this.body = res.body();
        this.reader = Thread.ofVirtual().start(this::read);
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String id = null;
            String event = null;
            StringBuilder data = null;
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null) {
                        frames.add(new Frame(id, event, data.toString()));
                    }
                    id = null;
                    event = null;
                    data = null;
                } else if (line.startsWith(":")) {
                    comments.add(line.substring(1).trim());
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).trim();
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    String d = line.substring(5);
                    d = d.startsWith(" ") ? d.substring(1) : d;
                    data = data == null
                            ? new StringBuilder(d)
                            : data.append('\n').append(d);
                }
            }
        } catch (IOException e) {
            // closed by us or by the server
        } finally {
            ended = true;
        }
    }

    Frame next() throws InterruptedException {
        Frame f = frames.poll(10, TimeUnit.SECONDS);
        if (f == null) {
            throw new AssertionError("no SSE frame within 10 s");
        }
        return f;
    }

    boolean awaitEnd(Duration timeout) throws InterruptedException {
        return reader.join(timeout);
    }

    @Override
    public void close() throws IOException {
        body.close();
        try {
            reader.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
