package io.canarybalancer.message.db;

import io.canarybalancer.message.core.ChargeState;
import io.canarybalancer.message.core.Claim;
import io.canarybalancer.message.core.Message;
import io.canarybalancer.message.core.MessageStatus;
import org.jdbi.v3.sqlobject.config.KeyColumn;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.config.ValueColumn;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindList;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The messages, which are also the delivery queue that every replica shares.
 *
 * <p>Claiming is one conditional {@code UPDATE ... WHERE id = ? AND status = 'QUEUED'}: whatever the
 * interleaving, across threads and replicas, on H2 or PostgreSQL, exactly one claimer's update changes the
 * row. Every later transition names the claim's token and the state it expects, so a worker that lost its
 * claim (it stalled, and the message was reclaimed) changes nothing.
 */
@RegisterRowMapper(MessageMapper.class)
@RegisterRowMapper(ClaimMapper.class)
public interface MessageDao {

    @SqlUpdate("INSERT INTO message (id, destination, body, status, charge_state, attempts, next_attempt_at, "
            + "created_at, updated_at) VALUES (:id, :destination, :body, 'QUEUED', 'NONE', 0, :now, :now, :now)")
    void insert(@Bind("id") String id, @Bind("destination") String destination, @Bind("body") String body,
                @Bind("now") long now);

    @SqlQuery("SELECT " + MessageMapper.COLUMNS + " FROM message WHERE id = :id")
    Optional<Message> find(@Bind("id") String id);

    /** @return up to {@code limit} messages after {@code afterSeq}, oldest first */
    @SqlQuery("SELECT " + MessageMapper.COLUMNS + " FROM message WHERE seq > :after ORDER BY seq LIMIT :limit")
    List<Message> page(@Bind("after") long afterSeq, @Bind("limit") int limit);

    /** @return like {@link #page}, only messages in one of {@code statuses} */
    @SqlQuery("SELECT " + MessageMapper.COLUMNS + " FROM message WHERE seq > :after AND status IN (<statuses>) "
            + "ORDER BY seq LIMIT :limit")
    List<Message> pageWithStatus(@Bind("after") long afterSeq, @Bind("limit") int limit,
                                 @BindList("statuses") List<String> statuses);

    @SqlQuery("SELECT status, COUNT(*) AS n FROM message GROUP BY status")
    @KeyColumn("status")
    @ValueColumn("n")
    Map<String, Long> countByStatus();

    @SqlQuery("SELECT COUNT(*) FROM message WHERE charge_state = 'REFUND_PENDING'")
    long countRefundsOwed();

    /**
     * Claims one due message for {@code worker}, trying a shuffled batch of the oldest candidates so that
     * concurrent workers mostly try different rows.
     *
     * @return the claim, or empty when nothing is due or every candidate was taken first
     */
    default Optional<Claim> claimNext(String worker, long now, int batch) {
        List<String> candidates = new ArrayList<>(dueIds(now, batch));
        Collections.shuffle(candidates);
        for (String id : candidates) {
            String token = UUID.randomUUID().toString();
            if (claim(id, worker, token, now) == 1) {
                return findClaim(id, token);
            }
        }
        return Optional.empty();
    }

    @SqlQuery("SELECT id FROM message WHERE status = 'QUEUED' AND next_attempt_at <= :now ORDER BY seq LIMIT :limit")
    List<String> dueIds(@Bind("now") long now, @Bind("limit") int limit);

    @SqlUpdate("UPDATE message SET status = 'CLAIMED', claimed_by = :worker, claim_token = :token, claimed_at = :now, "
            + "attempts = attempts + 1, updated_at = :now WHERE id = :id AND status = 'QUEUED'")
    int claim(@Bind("id") String id, @Bind("worker") String worker, @Bind("token") String token, @Bind("now") long now);

    @SqlQuery("SELECT id, claim_token, destination, body, attempts FROM message WHERE id = :id AND claim_token = :token")
    Optional<Claim> findClaim(@Bind("id") String id, @Bind("token") String token);

    /** Records the charge; 0 if the claim was lost. */
    @SqlUpdate("UPDATE message SET charge_state = 'CHARGED', updated_at = :now "
            + "WHERE id = :id AND claim_token = :token AND status = 'CLAIMED'")
    int markCharged(@Bind("id") String id, @Bind("token") String token, @Bind("now") long now);

    /** Gives a message back to the queue after an attempt that sent nothing; 0 if the claim was lost. */
    @SqlUpdate("UPDATE message SET status = 'QUEUED', claimed_by = NULL, claim_token = NULL, claimed_at = NULL, "
            + "reason = :reason, next_attempt_at = :nextAttemptAt, updated_at = :now "
            + "WHERE id = :id AND claim_token = :token AND status = 'CLAIMED'")
    int requeue(@Bind("id") String id, @Bind("token") String token, @Bind("reason") String reason,
                @Bind("nextAttemptAt") long nextAttemptAt, @Bind("now") long now);

    /**
     * The point of no return, committed before the provider is called: from here on the message is never
     * sent again, whatever happens to this worker. 0 if the claim was lost (then nothing may be sent).
     */
    @SqlUpdate("UPDATE message SET status = 'SENDING', updated_at = :now "
            + "WHERE id = :id AND claim_token = :token AND status = 'CLAIMED'")
    int startSending(@Bind("id") String id, @Bind("token") String token, @Bind("now") long now);

    /** Ends a claimed or sending message; 0 if the claim was lost. */
    @SqlUpdate("UPDATE message SET status = :to, reason = :reason, charge_state = :chargeState, claim_token = NULL, "
            + "updated_at = :now WHERE id = :id AND claim_token = :token AND status = :from")
    int finish(@Bind("id") String id, @Bind("token") String token, @Bind("from") MessageStatus from,
               @Bind("to") MessageStatus to, @Bind("reason") String reason, @Bind("chargeState") ChargeState chargeState,
               @Bind("now") long now);

    /** Requeues messages claimed before {@code cutoff} that never reached the provider. */
    @SqlUpdate("UPDATE message SET status = 'QUEUED', claimed_by = NULL, claim_token = NULL, claimed_at = NULL, "
            + "reason = 'reclaimed: the worker holding it stopped before sending', updated_at = :now "
            + "WHERE status = 'CLAIMED' AND claimed_at < :cutoff")
    int requeueStaleClaims(@Bind("cutoff") long cutoff, @Bind("now") long now);

    /**
     * Ends messages whose sender stopped after handing them to the provider: they may have been delivered,
     * so they are never sent again; they end {@code TIMEOUT} and keep their charge.
     */
    @SqlUpdate("UPDATE message SET status = 'TIMEOUT', claim_token = NULL, "
            + "reason = 'unconfirmed: the replica sending it stopped before the provider answered', updated_at = :now "
            + "WHERE status = 'SENDING' AND claimed_at < :cutoff")
    int timeOutStaleSends(@Bind("cutoff") long cutoff, @Bind("now") long now);

    @SqlQuery("SELECT id FROM message WHERE charge_state = 'REFUND_PENDING' AND updated_at < :cutoff "
            + "ORDER BY seq LIMIT :limit")
    List<String> refundsOwed(@Bind("cutoff") long cutoff, @Bind("limit") int limit);

    /** Records how an owed refund was settled ({@code REFUNDED}, or {@code NONE} when nothing was charged). */
    @SqlUpdate("UPDATE message SET charge_state = :chargeState, updated_at = :now "
            + "WHERE id = :id AND charge_state = 'REFUND_PENDING'")
    int settleRefund(@Bind("id") String id, @Bind("chargeState") ChargeState chargeState, @Bind("now") long now);
}
