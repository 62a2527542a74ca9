package dev.hindsight.server.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import dev.hindsight.core.InvalidRequestException;
import dev.hindsight.core.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The JSON tree of an append request body, in one streaming pass, except for the events' payloads: an object under
 * {@code event_data} or {@code metadata} is checked (syntax, nesting depth, duplicate keys) but not built; it becomes
 * a {@link Raw} node holding its text as written. The store canonicalizes that text once, where parsing it into a
 * tree, writing the tree back and canonicalizing the result did the same work three times. Strict as the reader it
 * replaces: duplicate keys anywhere, trailing content and malformed JSON are refused, floats are kept as decimals.
 * Stateless, thread-safe.
 */
final class RequestTree {
    private static final JsonFactory FACTORY = Json.mapper().getFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Set<String> PAYLOADS = Set.of("event_data", "metadata");

    /** An event payload object, as written in the request. */
    record Raw(String text) {}

    private RequestTree() {}

    /**
     * Parses a request body.
     *
     * @throws InvalidRequestException if it is empty, not valid JSON, has a duplicate key, trailing content or a number
     *     out of range
     */
    static JsonNode parse(byte[] body) {
        try (JsonParser p = FACTORY.createParser(body)) {
            p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new InvalidRequestException("body is empty; send an event object or an array of them");
            }
            JsonNode root = value(p, t, body, false);
            if (p.nextToken() != null) {
                throw new InvalidRequestException(
                        "body is not valid JSON: content after the end of the document at byte "
                                + p.currentTokenLocation().getByteOffset());
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("body is not valid JSON: " + e.getOriginalMessage());
        } catch (NumberFormatException e) {
            // Jackson reads a decimal such as 1e999999999999 lazily and refuses it unchecked (found by RequestFuzzTest)
            throw new InvalidRequestException("body has a number out of range: " + e.getMessage());
        } catch (IOException e) {
            throw new InvalidRequestException("body could not be read: " + e.getMessage());
        }
    }

    /** The payload text of a {@link Raw} node, or null if {@code node} is not one. */
    static @Nullable String rawText(JsonNode node) {
        return node instanceof POJONode pojo && pojo.getPojo() instanceof Raw raw ? raw.text() : null;
    }

    private static JsonNode value(JsonParser p, JsonToken t, byte[] body, boolean payload) throws IOException {
        return switch (t) {
            case START_OBJECT -> payload ? raw(p, body) : object(p, body);
            case START_ARRAY -> array(p, body);
            case VALUE_STRING -> NODES.textNode(p.getText());
            case VALUE_NUMBER_INT ->
                switch (p.getNumberType()) {
                    case INT -> NODES.numberNode(p.getIntValue());
                    case LONG -> NODES.numberNode(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
            case VALUE_NUMBER_FLOAT -> DecimalNode.valueOf(p.getDecimalValue()); // as written, not normalized
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            default -> throw new InvalidRequestException("body is not valid JSON: unexpected " + t);
        };
    }

    private static ObjectNode object(JsonParser p, byte[] body) throws IOException {
        ObjectNode o = NODES.objectNode();
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            JsonToken v = p.nextToken();
            o.set(name, value(p, v, body, PAYLOADS.contains(name)));
        }
        return o;
    }

    private static ArrayNode array(JsonParser p, byte[] body) throws IOException {
        ArrayNode a = NODES.arrayNode();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == null) {
                throw new InvalidRequestException("body is not valid JSON: unexpected end of input in an array");
            }
            a.add(value(p, t, body, false));
        }
        return a;
    }

    /** Skips an object (still checking it) and keeps its text. */
    private static JsonNode raw(JsonParser p, byte[] body) throws IOException {
        int start = (int) p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        int end = (int) p.currentTokenLocation().getByteOffset() + 1;
        return NODES.pojoNode(new Raw(new String(body, start, end - start, StandardCharsets.UTF_8)));
    }
}
