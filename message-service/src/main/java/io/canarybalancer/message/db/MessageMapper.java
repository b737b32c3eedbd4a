package io.canarybalancer.message.db;

import io.canarybalancer.message.core.ChargeState;
import io.canarybalancer.message.core.Message;
import io.canarybalancer.message.core.MessageStatus;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/** Maps a {@code message} row. */
public class MessageMapper implements RowMapper<Message> {

    /** The columns this mapper reads, in the order the queries list them. */
    public static final String COLUMNS =
            "seq, id, destination, body, status, reason, charge_state, attempts, created_at, updated_at";

    @Override
    public Message map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Message(rs.getString("id"), rs.getLong("seq"), rs.getString("destination"), rs.getString("body"),
                MessageStatus.valueOf(rs.getString("status")), rs.getString("reason"),
                ChargeState.valueOf(rs.getString("charge_state")), rs.getInt("attempts"),
                Instant.ofEpochMilli(rs.getLong("created_at")), Instant.ofEpochMilli(rs.getLong("updated_at")));
    }
}
