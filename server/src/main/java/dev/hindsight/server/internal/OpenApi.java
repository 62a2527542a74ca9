package dev.hindsight.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Builds the server's OpenAPI document: the events API's own description (the resource
 * {@code dev/hindsight/server/openapi.json}) merged with each plugin's {@code paths} and {@code components}. Stateless.
 */
public final class OpenApi {
    private static final String BASE = "/dev/hindsight/server/openapi.json";

    private OpenApi() {}

    /**
     * The merged document as JSON bytes.
     *
     * @param fragments JSON objects with {@code paths} and optionally {@code components}
     * @throws IllegalStateException if a fragment is malformed or describes a path or component twice
     */
    public static byte[] document(List<String> fragments) {
        ObjectNode doc = base();
        ObjectNode paths = (ObjectNode) doc.get("paths");
        ObjectNode components = doc.withObject("/components");
        for (String text : fragments) {
            ObjectNode fragment;
            try {
                fragment = Json.parseObject(text, "a plugin's OpenAPI fragment");
            } catch (RuntimeException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            mergeInto(paths, fragment.path("paths"), "path");
            for (Map.Entry<String, JsonNode> kind : fragment.path("components").properties()) {
                mergeInto(components.withObject("/" + kind.getKey()), kind.getValue(), kind.getKey());
            }
        }
        return Json.write(doc).getBytes(StandardCharsets.UTF_8);
    }

    private static void mergeInto(ObjectNode target, JsonNode source, String what) {
        for (Map.Entry<String, JsonNode> e : source.properties()) {
            if (target.has(e.getKey())) {
                throw new IllegalStateException("OpenAPI " + what + " '" + e.getKey() + "' is described twice");
            }
            target.set(e.getKey(), e.getValue());
        }
    }

    private static ObjectNode base() {
        try (InputStream in = OpenApi.class.getResourceAsStream(BASE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + BASE);
            }
            return Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8), BASE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + BASE, e);
        }
    }
}
