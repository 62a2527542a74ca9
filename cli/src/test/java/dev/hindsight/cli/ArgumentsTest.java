package dev.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad usage fails fast with a message on stderr and exit code 2, without contacting any server. */
class ArgumentsTest {

    static Stream<Arguments> usageErrors() {
        return Stream.of(
                Arguments.of(new String[] {}, "Missing command"),
                Arguments.of(new String[] {"frobnicate"}, "Unmatched argument"),
                Arguments.of(new String[] {"serve", "--port", "http"}, "--port"),
                Arguments.of(new String[] {"serve", "--fsync", "sometimes"}, "always, interval or never"),
                Arguments.of(new String[] {"serve", "--store", "cloud"}, "--store"),
                Arguments.of(new String[] {"append", "a", "--type", "E"}, "--data"),
                Arguments.of(new String[] {"append", "--type", "E", "--data", "{}"}, "AGGREGATE"),
                Arguments.of(new String[] {"append", "a", "--type", "E", "--data", "{not json"}, "JSON object"),
                Arguments.of(new String[] {"append", "a", "--type", "E", "--data", "[1]"}, "JSON object"),
                Arguments.of(new String[] {"append", "a", "-t", "E", "-d", "{}", "--metadata", "x"}, "--metadata"),
                Arguments.of(
                        new String[] {"append", "a", "-t", "E", "-d", "{}", "--expected-version", "soon"},
                        "--expected-version"),
                Arguments.of(new String[] {"append", "a", "-t", "E", "-d", "{}", "--event-id", "nope"}, "--event-id"),
                Arguments.of(new String[] {"append", "a", "-t", "E", "-d", "{}", "--url", "ftp://x"}, "--url"),
                Arguments.of(new String[] {"read", "a", "--as-of", "yesterday"}, "--as-of"),
                Arguments.of(new String[] {"read", "a", "--limit", "0"}, "--limit"),
                Arguments.of(new String[] {"read", "a", "--from-version", "x"}, "--from-version"),
                Arguments.of(new String[] {"read"}, "AGGREGATE"),
                Arguments.of(
                        new String[] {"serve", "--publish", "http://127.0.0.1:9092/t"}, "must start with kafka://"),
                Arguments.of(new String[] {"serve", "--publish", "kafka://127.0.0.1:9092"}, "the topic is missing"),
                Arguments.of(new String[] {"serve", "--publish", "kafka://127.0.0.1:x/t"}, "is not a port"),
                Arguments.of(new String[] {"kafka-dev", "--brokers", "0"}, "--brokers must be between 1 and 5"),
                Arguments.of(new String[] {"kafka-dev", "--port", "70000"}, "--port must be between 0 and 65535"));
    }

    @ParameterizedTest
    @MethodSource("usageErrors")
    void badUsage_exit2WithMessage(String[] args, String message) {
        CliRun r = CliRun.of(args);

        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(message);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void help_exit0() {
        CliRun r = CliRun.of("--help");

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("serve", "append", "read", "tail");
    }

    @Test
    void append_serverDown_exit1WithClearMessage() {
        CliRun r = CliRun.of("append", "a", "-t", "E", "-d", "{}", "--url", "http://127.0.0.1:1");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("cannot reach http://127.0.0.1:1");
    }
}
