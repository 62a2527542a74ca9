package com.example.bank;

import dev.hindsight.core.RecordedEvent;
import dev.hindsight.projection.Projection;
import dev.hindsight.projection.SqlSession;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The monthly statements read model: per account and calendar month (UTC, by the event's timestamp) the opening and
 * closing balance, the money in and out and the number of transactions. A deterministic function of the log, so it can
 * be rebuilt at any time. Stateless, hence thread-safe.
 */
public final class MonthlyStatements implements Projection {
    public static final String NAME = "monthly_statements";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> tables() {
        return List.of("balances", "statements");
    }

    @Override
    public Set<String> eventTypes() {
        return Set.of("MoneyDeposited", "MoneyWithdrawn");
    }

    @Override
    public void createTables(SqlSession s) throws SQLException {
        try (Statement st = s.connection().createStatement()) {
            st.execute("CREATE TABLE " + s.table("balances") + " (account_id TEXT PRIMARY KEY, balance BIGINT NOT NULL)");
            st.execute("CREATE TABLE " + s.table("statements") + " (account_id TEXT NOT NULL, month TEXT NOT NULL,"
                    + " opening BIGINT NOT NULL, deposits BIGINT NOT NULL, withdrawals BIGINT NOT NULL,"
                    + " closing BIGINT NOT NULL, transactions INTEGER NOT NULL, PRIMARY KEY (account_id, month))");
        }
    }

    @Override
    public void apply(RecordedEvent e, SqlSession s) throws SQLException {
        long in = 0;
        long out = 0;
        switch (Account.EVENTS.fromRecorded(e)) {
            case Account.Deposited d -> in = d.amount();
            case Account.Withdrawn w -> out = w.amount();
            case Account.Opened o -> {
                return;
            }
        }
        long before = balance(e.aggregateId(), s);
        long after = before + in - out;
        PreparedStatement balance = s.prepare("INSERT INTO " + s.table("balances") + " (account_id, balance)"
                + " VALUES (?, ?) ON CONFLICT (account_id) DO UPDATE SET balance = excluded.balance");
        balance.setString(1, e.aggregateId());
        balance.setLong(2, after);
        balance.executeUpdate();

        String t = s.table("statements");
        PreparedStatement statement = s.prepare("INSERT INTO " + t
                + " (account_id, month, opening, deposits, withdrawals, closing, transactions)"
                + " VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT (account_id, month) DO UPDATE SET"
                + " deposits = " + t + ".deposits + excluded.deposits,"
                + " withdrawals = " + t + ".withdrawals + excluded.withdrawals,"
                + " closing = excluded.closing, transactions = " + t + ".transactions + 1");
        statement.setString(1, e.aggregateId());
        statement.setString(2, YearMonth.from(e.timestamp().atZone(ZoneOffset.UTC)).toString());
        statement.setLong(3, before);
        statement.setLong(4, in);
        statement.setLong(5, out);
        statement.setLong(6, after);
        statement.executeUpdate();
    }

    private static long balance(String accountId, SqlSession s) throws SQLException {
        PreparedStatement q = s.prepare("SELECT balance FROM " + s.table("balances") + " WHERE account_id = ?");
        q.setString(1, accountId);
        try (ResultSet rs = q.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** The statements of one account, oldest month first. */
    static List<MonthlyStatement> statements(String accountId, SqlSession s) throws SQLException {
        PreparedStatement q = s.prepare("SELECT month, opening, deposits, withdrawals, closing, transactions FROM "
                + s.table("statements") + " WHERE account_id = ? ORDER BY month");
        q.setString(1, accountId);
        List<MonthlyStatement> out = new ArrayList<>();
        try (ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                out.add(new MonthlyStatement(
                        accountId,
                        YearMonth.parse(rs.getString(1)),
                        rs.getLong(2),
                        rs.getLong(3),
                        rs.getLong(4),
                        rs.getLong(5),
                        rs.getInt(6)));
            }
        }
        return out;
    }
}
