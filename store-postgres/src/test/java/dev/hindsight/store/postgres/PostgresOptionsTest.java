package dev.hindsight.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The builder and the withers give the same checked options; no database needed. */
class PostgresOptionsTest {
    private static final String URL = "jdbc:postgresql://127.0.0.1:5432/x";

    @Test
    void builderSetsEveryComponentAndKeepsTheRestAtTheirDefaults() {
        PostgresOptions built = PostgresOptions.builder(URL)
                .credentials("u", "p")
                .schema("s1")
                .partitions(4)
                .poolSize(3)
                .groupCommit(true, 5)
                .groupCommitLinger(Duration.ofMillis(2))
                .synchronousCommit(false)
                .retryFor(Duration.ofSeconds(1))
                .migrate(false)
                .applicationName("app")
                .build();

        assertThat(built)
                .isEqualTo(new PostgresOptions(
                        URL,
                        "u",
                        "p",
                        "s1",
                        4,
                        3,
                        true,
                        5,
                        Duration.ofMillis(2),
                        false,
                        Duration.ofSeconds(1),
                        false,
                        "app"));
        assertThat(PostgresOptions.builder(URL).build()).isEqualTo(PostgresOptions.defaults(URL));
        assertThat(built.toBuilder().build()).isEqualTo(built);
    }

    @Test
    void withersChangeOnlyTheirComponent() {
        PostgresOptions base = PostgresOptions.defaults(URL);
        assertThat(base.withSchema("other"))
                .isEqualTo(base.toBuilder().schema("other").build())
                .extracting(PostgresOptions::partitions, PostgresOptions::poolSize, PostgresOptions::migrate)
                .containsExactly(16, 16, true);
        assertThat(base.withGroupCommit(true, 3).withGroupCommitLinger(Duration.ofMillis(1)))
                .extracting(
                        PostgresOptions::groupCommit,
                        PostgresOptions::groupCommitWriters,
                        PostgresOptions::groupCommitLinger,
                        PostgresOptions::schema)
                .containsExactly(true, 3, Duration.ofMillis(1), "hindsight");
        assertThat(base.withMigrate(false).migrate()).isFalse();
    }

    @Test
    void buildChecksTheValuesAndTheBuilderStaysUsable() {
        PostgresOptions.Builder builder = PostgresOptions.builder(URL).schema("Bad-Name");
        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Bad-Name");
        assertThat(builder.schema("good").build().schema()).isEqualTo("good");
        assertThatThrownBy(() -> PostgresOptions.builder(URL)
                        .groupCommitLinger(Duration.ofMillis(51))
                        .build())
                .hasMessageContaining("groupCommitLinger");
        assertThatThrownBy(() -> PostgresOptions.builder("jdbc:mysql://x").build())
                .hasMessageContaining("not a PostgreSQL JDBC URL");
    }
}
