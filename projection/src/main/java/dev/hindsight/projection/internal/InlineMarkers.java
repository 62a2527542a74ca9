package dev.hindsight.projection.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which events an inline projection has already applied inside their append's transaction: a row
 * {@code (name, generation, first_position, last_position)} in {@code hindsight_inline} per append, written in that
 * transaction together with the rows. The projection's runner still follows the log (it applies what was appended
 * while the projection was not inline-ready, e.g. before the engine started); in the transaction of each batch it
 * skips the events a marker covers and deletes the markers it has passed. Every event is thus applied exactly once per
 * generation, by the append or by the runner. Positions are the PostgreSQL engine's numbers. Stateless, thread-safe.
 */
public final class InlineMarkers {
    private InlineMarkers() {}

    /** The {@code [first, last]} position ranges of the markers of a generation that start at or below {@code upTo}. */
    static List<long[]> upTo(Connection c, String name, long generation, long upTo) throws SQLException {
        List<long[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT first_position, last_position FROM hindsight_inline"
                + " WHERE name = ? AND generation = ? AND first_position <= ?")) {
            ps.setString(1, name);
            ps.setLong(2, generation);
            ps.setLong(3, upTo);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new long[] {rs.getLong(1), rs.getLong(2)});
                }
            }
        }
        return out;
    }

    /** Deletes the markers that end at or below {@code upTo} (the runner has passed them). */
    static void passed(Connection c, String name, long generation, long upTo) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "DELETE FROM hindsight_inline WHERE name = ? AND generation = ? AND last_position <= ?")) {
            ps.setString(1, name);
            ps.setLong(2, generation);
            ps.setLong(3, upTo);
            ps.executeUpdate();
        }
    }

    static boolean covered(List<long[]> markers, long position) {
        for (long[] m : markers) {
            if (m[0] <= position && position <= m[1]) {
                return true;
            }
        }
        return false;
    }
}
