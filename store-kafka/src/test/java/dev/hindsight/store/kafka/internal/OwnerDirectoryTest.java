package dev.hindsight.store.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The ownership member's client id carries the node's tag and URL, each read back alone, in any combination. */
class OwnerDirectoryTest {
    private static final String BASE = "hindsight-my.topic.url-tag-1f2e-owner"; // a topic may hold dots and marks

    @Test
    void clientId_tagAndUrl_readBackIndependently() {
        String both = OwnerDirectory.clientId(BASE, "http://node-2:8080", "shred-shared");
        assertThat(OwnerDirectory.urlOf(both)).isEqualTo("http://node-2:8080");
        assertThat(OwnerDirectory.tagOf(both)).isEqualTo("shred-shared");

        String tagOnly = OwnerDirectory.clientId(BASE, null, "shred-local");
        assertThat(OwnerDirectory.tagOf(tagOnly)).isEqualTo("shred-local");

        String urlOnly = OwnerDirectory.clientId(BASE, "http://node-3:8080", null);
        assertThat(OwnerDirectory.urlOf(urlOnly)).isEqualTo("http://node-3:8080");
        assertThat(OwnerDirectory.tagOf(urlOnly)).isNull();
        assertThat(OwnerDirectory.tagOf(OwnerDirectory.clientId(BASE, null))).isNull();
    }

    @Test
    void clientId_tagWithOtherCharacters_refused() {
        assertThatThrownBy(() -> OwnerDirectory.clientId(BASE, null, "Shred.Local"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
