package io.canarybalancer.consuldouble.state;

/**
 * One write against the state store. The raft index is taken lazily, on the first change that needs
 * stamping, so a write that turns out to be a no-op (CAS failure, unchanged TTL status) consumes no
 * index and wakes nobody, while every real change gets the next value of the global counter.
 */
public final class Txn {

    private final StateStore store;
    private long index;

    Txn(StateStore store) {
        this.store = store;
    }

    /** @return this write's raft index, allocating it on first use */
    public long index() {
        if (index == 0) {
            index = store.allocateIndex();
        }
        return index;
    }

    boolean changedState() {
        return index != 0;
    }
}
