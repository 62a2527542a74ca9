package dev.hindsight.cli;

import static dev.hindsight.cli.KafkaShreddingPeers.LOCAL;
import static dev.hindsight.cli.KafkaShreddingPeers.SHARED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.store.kafka.KafkaEventLog.Peer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every pair of a joining node's tag and another node's: which may serve one topic together. */
class KafkaShreddingPeersTest {
    private static final List<String> TAGS = Arrays.asList(null, LOCAL, SHARED);

    @Test
    void tag_followsMasterKeyAndRoles() {
        assertThat(KafkaShreddingPeers.tag(false, false)).isNull();
        assertThat(KafkaShreddingPeers.tag(false, true)).isNull();
        assertThat(KafkaShreddingPeers.tag(true, false)).isEqualTo(LOCAL);
        assertThat(KafkaShreddingPeers.tag(true, true)).isEqualTo(SHARED);
    }

    @Test
    void check_everyPair_onlyLikeWithoutLocalAllowed() {
        List<String> allowed = new ArrayList<>();
        for (String self : TAGS) {
            for (String other : TAGS) {
                try {
                    KafkaShreddingPeers.check(self, List.of(new Peer("http://n2:8080", other)), "t");
                    allowed.add(self + "+" + other);
                } catch (CliException e) {
                    assertThat(e.getMessage()).contains("topic t");
                }
            }
        }
        assertThat(allowed).containsExactlyInAnyOrder("null+null", SHARED + "+" + SHARED);
    }

    @Test
    void check_alone_allowedForEveryTag() {
        for (String self : TAGS) {
            assertThatCode(() -> KafkaShreddingPeers.check(self, List.of(), "t"))
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void check_refusal_namesTheOtherNodeAndTheWayOut() {
        assertThatThrownBy(() -> KafkaShreddingPeers.check(LOCAL, List.of(new Peer("http://n2:8080", null)), "t"))
                .hasMessageContaining("http://n2:8080")
                .hasMessageContaining("--role api and --pg-url");
        assertThatThrownBy(() -> KafkaShreddingPeers.check(SHARED, List.of(new Peer(null, null)), "t"))
                .hasMessageContaining("without a master key")
                .hasMessageContaining("same --master-key-file");
    }
}
