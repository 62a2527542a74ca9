package dev.hindsight.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.core.AppendResult;
import dev.hindsight.core.Position;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The bulk answer's template ({@link BulkAppend#plainAnswer}) gives the generator's bytes, or gives way to it. */
class BulkAnswerTest {
    private static final String ID_CHARS = "abcXYZ019-._~!$&'()*,=:@ /<>%+;?#[]{}";

    @Test
    void plainAnswer_seededOutcomes_sameBytesAsTheGenerator() throws Exception {
        Random random = new Random(15);
        for (int round = 0; round < 2_000; round++) {
            List<BulkAppend.Outcome> outcomes = new ArrayList<>();
            int n = 1 + random.nextInt(20);
            for (int i = 0; i < n; i++) {
                String id = id(random);
                long first = 1 + random.nextInt(1_000_000);
                long last = first + random.nextInt(100);
                Position position = random.nextBoolean()
                        ? new Position.Sequence(random.nextLong() >>> 1)
                        : new Position.Vector(new long[] {random.nextInt(9), random.nextInt(1 << 20)});
                outcomes.add(new BulkAppend.Outcome(id, new AppendResult(id, first, last, position), null));
            }
            byte[] plain = BulkAppend.plainAnswer(outcomes);
            if (plain != null) {
                assertThat(new String(plain, StandardCharsets.UTF_8)).isEqualTo(generated(outcomes));
            }
        }
    }

    @Test
    void plainAnswer_idNeedingEscapes_givesWay() {
        String id = "quote\"d";
        List<BulkAppend.Outcome> outcomes =
                List.of(new BulkAppend.Outcome(id, new AppendResult(id, 1, 1, new Position.Sequence(1)), null));

        assertThat(BulkAppend.plainAnswer(outcomes)).isNull();
    }

    @Test
    void plainAnswer_anEntryFailed_givesWay() {
        List<BulkAppend.Outcome> outcomes = List.of(
                new BulkAppend.Outcome("a", new AppendResult("a", 1, 1, new Position.Sequence(1)), null),
                new BulkAppend.Outcome("b", null, ApiError.of(409, "wrong_expected_version", "no")));

        assertThat(BulkAppend.plainAnswer(outcomes)).isNull();
    }

    @Test
    void plainAnswer_plainIds_isTheGeneratorsAnswer() throws Exception {
        List<BulkAppend.Outcome> outcomes = List.of(
                new BulkAppend.Outcome("order-1", new AppendResult("order-1", 1, 3, new Position.Sequence(42)), null),
                new BulkAppend.Outcome("a<b>&c", new AppendResult("a<b>&c", 7, 7, new Position.Sequence(43)), null));

        byte[] plain = BulkAppend.plainAnswer(outcomes);

        assertThat(plain).isNotNull();
        assertThat(new String(plain, StandardCharsets.UTF_8))
                .isEqualTo("{\"results\":[{\"aggregate_id\":\"order-1\",\"first_version\":1,\"last_version\":3,"
                        + "\"position\":\"42\"},{\"aggregate_id\":\"a<b>&c\",\"first_version\":7,\"last_version\":7,"
                        + "\"position\":\"43\"}]}")
                .isEqualTo(generated(outcomes));
    }

    private static String id(Random random) {
        StringBuilder b = new StringBuilder();
        int len = 1 + random.nextInt(12);
        for (int i = 0; i < len; i++) {
            int pick = random.nextInt(ID_CHARS.length() + 3);
            b.append(
                    pick < ID_CHARS.length()
                            ? ID_CHARS.charAt(pick)
                            : pick == ID_CHARS.length() ? 'é' : pick == ID_CHARS.length() + 1 ? '\\' : '\u0001');
        }
        return b.toString();
    }

    private static String generated(List<BulkAppend.Outcome> outcomes) throws Exception {
        return new String(JsonOut.write(g -> BulkAppend.write(g, outcomes)), StandardCharsets.UTF_8);
    }
}
