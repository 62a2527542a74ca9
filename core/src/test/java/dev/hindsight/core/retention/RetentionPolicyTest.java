package dev.hindsight.core.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hindsight.core.InvalidRequestException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetentionPolicyTest {

    @Test
    void parse_eachForm_roundTrips() {
        for (String rule : List.of(
                "ord_:archive-after=30d",
                "type=CartViewed:delete-after=90d",
                "*:keep",
                "cart-:delete-after=12h",
                "a:b:delete-after=0s")) {
            assertEquals(rule, RetentionRule.parse(rule).toString());
        }
        RetentionRule r = RetentionRule.parse(" type=CartViewed : delete-after=90d ");
        assertEquals(new RetentionRule.Match.EventType("CartViewed"), r.match());
        assertEquals(Duration.ofDays(90), r.deleteAfter());
    }

    @Test
    void parse_badRules_sayWhatIsWrong() {
        for (String bad : List.of(
                "",
                "ord_",
                ":keep",
                "ord_:",
                "ord_:forever",
                "ord_:delete-after=30",
                "ord_:delete-after=-1d",
                "type=:keep",
                "ord_:archive-after=1w",
                "ord_:delete-after=99999999999d")) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> RetentionRule.parse(bad));
            assertTrue(e.getMessage().startsWith("bad retention rule '" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void ruleFor_firstMatchWins_unmatchedIsKept() {
        RetentionPolicy p = RetentionPolicy.parse(
                List.of("ord_:keep", "type=CartViewed:delete-after=90d", "cart_:archive-after=1d"));
        assertEquals("ord_:keep", String.valueOf(p.ruleFor("ord_1", "CartViewed")));
        assertEquals("type=CartViewed:delete-after=90d", String.valueOf(p.ruleFor("cart_1", "CartViewed")));
        assertEquals("cart_:archive-after=1d", String.valueOf(p.ruleFor("cart_1", "CartCreated")));
        assertNull(p.ruleFor("user_1", "UserCreated"));
        Duration def = Duration.ofDays(30);
        assertEquals(def, p.archiveAge("ord_1", "OrderCreated", def));
        assertEquals(def, p.archiveAge("user_1", "UserCreated", def));
        assertEquals(Duration.ofDays(1), p.archiveAge("cart_1", "CartCreated", def));
        assertNull(p.archiveAge("cart_1", "CartViewed", def));
        assertTrue(p.deletes());
        assertTrue(p.archives());
    }

    @Test
    void read_fileWithCommentsAndBlankLines_keepsOrder_andNamesTheBadLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("retention.rules");
        Files.writeString(f, "# orders are kept\nord_:keep\n\n  type=CartViewed:delete-after=90d\n");
        assertEquals(
                RetentionPolicy.parse(List.of("ord_:keep", "type=CartViewed:delete-after=90d")),
                RetentionPolicy.read(f));
        Files.writeString(f, "ord_:keep\nord_:delete-after=soon\n");
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> RetentionPolicy.read(f));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }
}
