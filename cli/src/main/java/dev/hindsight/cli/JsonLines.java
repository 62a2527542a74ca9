package dev.hindsight.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.hindsight.core.Json;

/** JSON helpers for the client commands; numbers are kept as written (BigDecimal), not rounded to doubles. */
final class JsonLines {
    private static final ObjectReader READER =
            Json.mapper().reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private JsonLines() {}

    /** Parses JSON text, {@code null} if it is not well-formed. */
    static JsonNode parseOrNull(String text) {
        try {
            JsonNode n = READER.readTree(text);
            return n == null || n.isMissingNode() ? null : n;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** Parses a server response body, failing with the raw text if it is not JSON. */
    static JsonNode parseResponse(String text) {
        JsonNode n = parseOrNull(text);
        if (n == null) {
            throw new CliException("the server answered with something that is not JSON: " + abbreviate(text));
        }
        return n;
    }

    static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
