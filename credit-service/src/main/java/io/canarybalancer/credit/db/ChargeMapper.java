package io.canarybalancer.credit.db;

import io.canarybalancer.credit.core.Charge;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/** Maps a {@code credit_charge} row; times are stored as epoch milliseconds, the same on H2 and PostgreSQL. */
public class ChargeMapper implements RowMapper<Charge> {

    @Override
    public Charge map(ResultSet rs, StatementContext ctx) throws SQLException {
        long refundedAt = rs.getLong("refunded_at");
        Optional<Instant> refunded = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(refundedAt));
        return new Charge(rs.getString("message_id"), rs.getLong("amount"),
                Instant.ofEpochMilli(rs.getLong("charged_at")), refunded);
    }
}
