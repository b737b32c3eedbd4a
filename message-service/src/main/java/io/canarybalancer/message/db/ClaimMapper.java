package io.canarybalancer.message.db;

import io.canarybalancer.message.core.Claim;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

import java.sql.ResultSet;
import java.sql.SQLException;

/** Maps a claimed {@code message} row to the worker's {@link Claim}. */
public class ClaimMapper implements RowMapper<Claim> {

    @Override
    public Claim map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Claim(rs.getString("id"), rs.getString("claim_token"), rs.getString("destination"),
                rs.getString("body"), rs.getInt("attempts"));
    }
}
