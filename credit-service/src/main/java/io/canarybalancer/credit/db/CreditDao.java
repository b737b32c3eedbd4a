package io.canarybalancer.credit.db;

import io.canarybalancer.credit.core.Charge;
import io.canarybalancer.credit.core.ChargeResult;
import io.canarybalancer.credit.core.CreditRules;
import io.canarybalancer.credit.core.RefundResult;
import io.canarybalancer.credit.core.TopUpResult;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;
import org.jdbi.v3.sqlobject.transaction.Transaction;

import java.util.Optional;

/**
 * The balance and the charge ledger.
 *
 * <p>Every change runs in one transaction that first locks the single balance row ({@code FOR UPDATE}).
 * That lock serialises all charges, refunds and top-ups, across threads and across service instances
 * sharing the database, on H2 as on PostgreSQL; each statement after it sees everything committed before
 * it was granted. Two more guards hold even without it: the balance column has a {@code CHECK (amount >= 0)}
 * and the debit is conditional ({@code amount >= :amount}), so no interleaving can overdraw; the ledger's
 * primary key is the message id, so no message can be charged twice.
 *
 * <p>A refund may arrive before the charge it cancels (the charge was held up behind the lock, or in a
 * slow replica). It then leaves a tombstone, and a charge of a message with a tombstone takes nothing: the
 * lock orders the two, so whichever commits first, the message ends with no standing charge.
 */
@RegisterRowMapper(ChargeMapper.class)
public interface CreditDao {

    @SqlQuery("SELECT amount FROM credit_balance WHERE id = 1")
    long balance();

    @SqlQuery("SELECT message_id, amount, charged_at, refunded_at FROM credit_charge WHERE message_id = :messageId")
    Optional<Charge> findCharge(@Bind("messageId") String messageId);

    @SqlQuery("SELECT COUNT(*) FROM credit_charge WHERE refunded_at IS NULL")
    long countStandingCharges();

    /** Adds {@code amount} unless the balance would pass {@link CreditRules#MAX_BALANCE}. */
    @Transaction
    default TopUpResult topUp(long amount, long now) {
        lockBalance();
        boolean applied = credit(amount, CreditRules.MAX_BALANCE, now) == 1;
        return new TopUpResult(applied, balance());
    }

    /**
     * Charges {@code amount} for {@code messageId} once: repeated requests find the first charge, and a
     * message whose refund came first is never charged.
     */
    @Transaction
    default ChargeResult charge(String messageId, long amount, long now) {
        lockBalance();
        Optional<Charge> existing = findCharge(messageId);
        if (existing.isPresent()) {
            return new ChargeResult(ChargeResult.Outcome.ALREADY_CHARGED, existing, balance());
        }
        if (countTombstones(messageId) > 0) {
            return new ChargeResult(ChargeResult.Outcome.CANCELLED, Optional.empty(), balance());
        }
        if (debit(amount, now) == 0) {
            return new ChargeResult(ChargeResult.Outcome.INSUFFICIENT_CREDIT, Optional.empty(), balance());
        }
        insertCharge(messageId, amount, now);
        return new ChargeResult(ChargeResult.Outcome.CHARGED, findCharge(messageId), balance());
    }

    /**
     * Gives a charge's credit back once; without a charge the balance stays as it is, and a tombstone
     * makes sure the message is never charged later.
     */
    @Transaction
    default RefundResult refund(String messageId, long now) {
        lockBalance();
        Optional<Charge> charge = findCharge(messageId);
        if (charge.isEmpty()) {
            if (countTombstones(messageId) == 0) {
                insertTombstone(messageId, now);
            }
            return new RefundResult(RefundResult.Outcome.NO_CHARGE, charge, balance());
        }
        if (charge.get().refunded() || markRefunded(messageId, now) == 0) {
            return new RefundResult(RefundResult.Outcome.ALREADY_REFUNDED, charge, balance());
        }
        // A refund returns what was taken: it may pass MAX_BALANCE only by amounts already counted once.
        credit(charge.get().amount(), Long.MAX_VALUE, now);
        return new RefundResult(RefundResult.Outcome.REFUNDED, findCharge(messageId), balance());
    }

    @SqlQuery("SELECT amount FROM credit_balance WHERE id = 1 FOR UPDATE")
    long lockBalance();

    @SqlUpdate("UPDATE credit_balance SET amount = amount + :amount, updated_at = :now "
            + "WHERE id = 1 AND amount <= :ceiling - :amount")
    int credit(@Bind("amount") long amount, @Bind("ceiling") long ceiling, @Bind("now") long now);

    @SqlUpdate("UPDATE credit_balance SET amount = amount - :amount, updated_at = :now "
            + "WHERE id = 1 AND amount >= :amount")
    int debit(@Bind("amount") long amount, @Bind("now") long now);

    @SqlUpdate("INSERT INTO credit_charge (message_id, amount, charged_at) VALUES (:messageId, :amount, :now)")
    void insertCharge(@Bind("messageId") String messageId, @Bind("amount") long amount, @Bind("now") long now);

    @SqlQuery("SELECT COUNT(*) FROM credit_tombstone WHERE message_id = :messageId")
    int countTombstones(@Bind("messageId") String messageId);

    @SqlUpdate("INSERT INTO credit_tombstone (message_id, refunded_at) VALUES (:messageId, :now)")
    void insertTombstone(@Bind("messageId") String messageId, @Bind("now") long now);

    @SqlUpdate("UPDATE credit_charge SET refunded_at = :now WHERE message_id = :messageId AND refunded_at IS NULL")
    int markRefunded(@Bind("messageId") String messageId, @Bind("now") long now);
}
