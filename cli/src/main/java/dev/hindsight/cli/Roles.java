package dev.hindsight.cli;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * What a {@code serve} process runs ({@code --role ROLE[,ROLE…]}): the seed's services, one process each or several
 * in one. {@code all} (the default) is today's single process. Immutable.
 *
 * @param roles the roles named, {@code all} expanded
 */
record Roles(Set<Role> roles) {
    /** One of the seed's services. */
    enum Role {
        /** The HTTP API, the UI and the order commands (and their snapshots). */
        API("api"),
        /** The snapshot service. */
        SNAPSHOTS("snapshots"),
        /** The projection runner of the read model. */
        READ_MODEL("read-model"),
        /** The archive service (file engine). */
        ARCHIVE("archive");

        final String cliName;

        Role(String cliName) {
            this.cliName = cliName;
        }
    }

    static final Roles ALL = new Roles(EnumSet.allOf(Role.class));

    Roles {
        roles = Set.copyOf(roles);
    }

    /** Whether this is the single process of every service. */
    boolean all() {
        return roles.containsAll(ALL.roles);
    }

    boolean has(Role role) {
        return roles.contains(role);
    }

    /** Parses {@code ROLE[,ROLE…]}. */
    static Roles parse(String text) {
        Set<Role> out = EnumSet.noneOf(Role.class);
        for (String part : text.split(",", -1)) {
            String name = part.strip().toLowerCase(Locale.ROOT);
            if (name.equals("all")) {
                out.addAll(ALL.roles);
                continue;
            }
            Role match = null;
            for (Role r : Role.values()) {
                if (r.cliName.equals(name)) {
                    match = r;
                }
            }
            if (match == null) {
                throw new IllegalArgumentException("unknown role '" + part.strip()
                        + "': use api, snapshots, read-model, archive or all, comma-separated");
            }
            out.add(match);
        }
        return new Roles(out);
    }

    @Override
    public String toString() {
        return all() ? "all" : roles.stream().map(r -> r.cliName).sorted().collect(Collectors.joining(","));
    }

    /** Parses {@code --role}. */
    static final class Converter implements ITypeConverter<Roles> {
        @Override
        public Roles convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
