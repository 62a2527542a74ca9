package dev.hindsight.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.core.auth.ApiToken;
import dev.hindsight.core.auth.Role;
import dev.hindsight.core.auth.TokenSecrets;
import dev.hindsight.core.auth.TokenStore;
import org.junit.jupiter.api.Test;

/**
 * What every {@link TokenStore} does: keeps only hashes, lists by name, refuses a taken name, revokes, and shares its
 * tokens with a second instance over the same storage (the CLI and a running server are two processes).
 */
public abstract class TokenStoreContract {

    /** An empty token store. Called once per test. */
    protected abstract TokenStore newStore();

    /** A second instance over the storage of the last {@link #newStore()}. */
    protected abstract TokenStore reopen();

    @Test
    void create_storesOnlyTheHash_andListsByName() {
        TokenStore store = newStore();
        TokenStore.Created b = store.create("b-writer", Role.writer, "ord_");
        TokenStore.Created a = store.create("a-reader", Role.reader, null);

        assertThat(b.secret()).startsWith(TokenSecrets.PREFIX).hasSizeGreaterThan(40);
        assertThat(b.secret()).isNotEqualTo(a.secret());
        assertThat(reopen().list())
                .extracting(ApiToken::name, ApiToken::role, ApiToken::prefix, ApiToken::sha256)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "a-reader", Role.reader, null, TokenSecrets.hash(a.secret())),
                        org.assertj.core.groups.Tuple.tuple(
                                "b-writer", Role.writer, "ord_", TokenSecrets.hash(b.secret())));
        assertThat(reopen().list().toString()).doesNotContain(a.secret(), b.secret());
    }

    @Test
    void create_takenName_isRefused_andChangesNothing() {
        TokenStore store = newStore();
        TokenStore.Created first = store.create("ci", Role.admin, null);

        assertThatThrownBy(() -> store.create("ci", Role.reader, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ci");
        assertThat(reopen().list()).containsExactly(first.token());
    }

    @Test
    void create_withoutName_getsAGeneratedOne() {
        TokenStore store = newStore();
        TokenStore.Created c = store.create(null, Role.reader, null);

        assertThat(c.token().name()).startsWith("token-");
        assertThat(reopen().list()).containsExactly(c.token());
    }

    @Test
    void revoke_removesOnlyThatToken() {
        TokenStore store = newStore();
        store.create("one", Role.reader, null);
        TokenStore.Created two = store.create("two", Role.writer, null);

        assertThat(store.revoke("one")).isTrue();
        assertThat(store.revoke("one")).isFalse();
        assertThat(reopen().list()).containsExactly(two.token());
    }
}
