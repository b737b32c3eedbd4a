package io.canarybalancer.consuldouble.endpoint;

import io.canarybalancer.consuldouble.http.Reply;

import java.util.function.LongSupplier;
import java.util.function.Supplier;

/** What an endpoint produced: a finished reply, or a read that may have to wait for the index to move. */
public sealed interface Outcome permits Outcome.Done, Outcome.Blocking {

    /** A reply that goes out as is. */
    public record Done(Reply reply) implements Outcome {
    }

    /**
     * A blocking-capable read.
     *
     * @param options      parsed index/wait/consistency
     * @param currentIndex the index the result would carry now
     * @param render       builds the full reply (body and headers) from current state, atomically
     */
    public record Blocking(QueryOptions options, LongSupplier currentIndex, Supplier<Reply> render) implements Outcome {

        /** Consul holds the request while the result index is not strictly greater than the client's. */
        public boolean mustWait() {
            return options.blocks() && Long.compareUnsigned(currentIndex.getAsLong(), options.index()) <= 0;
        }
    }

    static Outcome done(Reply reply) {
        return new Done(reply);
    }
}
