package dev.hindsight.cli;

import dev.hindsight.cli.Roles.Role;

/** Which {@code --role} combinations {@code serve} runs, and a clear refusal for the others. Stateless. */
final class RoleChecks {
    private RoleChecks() {}

    /**
     * @param pg whether a PostgreSQL URL is configured ({@code --pg-url} or {@code HINDSIGHT_PG_URL})
     * @throws CliException naming why the roles cannot run with these options
     */
    static void check(Roles roles, ServeCommand.StoreKind store, boolean pg, boolean inline, boolean publish) {
        if (roles.all()) {
            return;
        }
        if (roles.has(Role.ARCHIVE)) {
            throw new CliException("the archive role applies to the file engine only, whose sealed segments it moves"
                    + " to object storage; there `serve` runs the archiver itself (--archive-url) and `hindsight archive"
                    + " run` runs it once, and the data directory belongs to one process, so it does not split into"
                    + " roles");
        }
        if (store == ServeCommand.StoreKind.kafka) {
            if (!pg) {
                throw new CliException("--role " + roles + " over --store kafka needs --pg-url (or HINDSIGHT_PG_URL):"
                        + " split roles keep snapshots and the read model in PostgreSQL, the events in the topic");
            }
        } else if (store != ServeCommand.StoreKind.postgres) {
            throw new CliException("--role " + roles + " needs --store postgres, or --store kafka with --pg-url: split"
                    + " roles share the events, snapshots and read model through PostgreSQL (the " + store
                    + " store runs as one process, --role all)");
        }
        if (inline && store == ServeCommand.StoreKind.kafka) {
            throw new CliException("--inline-projections needs --store postgres: it commits the read model in the"
                    + " append's PostgreSQL transaction, and Kafka appends have none");
        }
        if (inline && !roles.has(Role.READ_MODEL)) {
            throw new CliException("--inline-projections updates the read model in the api process's appends: run"
                    + " --role api,read-model (or all) with it, not --role api");
        }
        if (publish && !roles.has(Role.API)) {
            throw new CliException("--publish runs with the api role (--role api or all)");
        }
    }
}
