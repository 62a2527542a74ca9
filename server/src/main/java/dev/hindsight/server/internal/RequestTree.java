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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The JSON tree of an append request body, in one streaming pass, except for the events' payloads: an object under
 * {@code event_data} or {@code metadata} is checked (syntax, nesting depth, duplicate keys) but not built; it becomes
 * a {@link Raw} node holding its text as written. The store takes that text as given when it is already canonical
 * (compact JSON, as clients send it), else canonicalizes it once. Strict as the reader it replaces: duplicate keys
 * anywhere, trailing content and malformed JSON are refused, floats are kept as decimals. Duplicate keys are found
 * here rather than by Jackson's detector, which allocates a hash set for every object of three or more keys (four per
 * event of a bulk request). Stateless, thread-safe.
 */
final class RequestTree {
    private static final JsonFactory FACTORY = Json.mapper().getFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Set<String> PAYLOADS = Set.of("event_data", "metadata");
    private static final int SCAN_LIMIT = 16;

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
            if (o.replace(name, value(p, v, body, PAYLOADS.contains(name))) != null) {
                throw duplicate(name);
            }
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

    /** Skips an object (still checking it, its duplicate keys included) and keeps its text. */
    private static JsonNode raw(JsonParser p, byte[] body) throws IOException {
        int start = (int) p.currentTokenLocation().getByteOffset();
        skipObject(p);
        int end = (int) p.currentTokenLocation().getByteOffset() + 1;
        return NODES.pojoNode(new Raw(new String(body, start, end - start, StandardCharsets.UTF_8)));
    }

    /**
     * Skips the object the parser is at, refusing a duplicate key: the keys of the open objects are kept on one list
     * (innermost last, {@code starts} says where each open object's or array's begin); an object with more than {@value #SCAN_LIMIT}
     * keys gets a hash set instead of the linear scan. Jackson hands out field names from its symbol table, so the
     * list holds no new strings.
     */
    private static void skipObject(JsonParser p) throws IOException {
        List<String> keys = new ArrayList<>(16);
        int[] starts = new int[8];
        @Nullable Set<String>[] large = null;
        int depth = 0; // open objects and arrays, beyond the first object
        while (true) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new InvalidRequestException("body is not valid JSON: unexpected end of input in an object");
            }
            switch (t) {
                case FIELD_NAME -> {
                    String name = p.currentName();
                    int from = starts[depth];
                    @Nullable Set<String> set = large == null ? null : large[depth];
                    if (set != null) {
                        if (!set.add(name)) {
                            throw duplicate(name);
                        }
                    } else {
                        for (int i = from; i < keys.size(); i++) {
                            if (keys.get(i).equals(name)) {
                                throw duplicate(name);
                            }
                        }
                        keys.add(name);
                        if (keys.size() - from > SCAN_LIMIT) {
                            if (large == null) {
                                large = newSets(starts.length);
                            }
                            large[depth] = new HashSet<>(keys.subList(from, keys.size()));
                        }
                    }
                }
                case START_OBJECT, START_ARRAY -> {
                    depth++;
                    if (depth == starts.length) {
                        starts = Arrays.copyOf(starts, depth * 2);
                        if (large != null) {
                            large = Arrays.copyOf(large, depth * 2);
                        }
                    }
                    starts[depth] = keys.size();
                    if (large != null) {
                        large[depth] = null;
                    }
                }
                case END_OBJECT, END_ARRAY -> {
                    if (depth == 0) {
                        return;
                    }
                    keys.subList(starts[depth], keys.size()).clear();
                    depth--;
                }
                default -> {
                    // a scalar: the parser has checked it
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static @Nullable Set<String>[] newSets(int n) {
        return (Set<String>[]) new Set<?>[n];
    }

    /** What Jackson's duplicate detector said, for the same answer as before. */
    private static InvalidRequestException duplicate(String name) {
        return new InvalidRequestException("body is not valid JSON: Duplicate field '" + name + "'");
    }
}
