package io.canarybalancer.consuldouble.state;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The double's whole state (catalog and KV) behind one lock, plus the raft-like global index. One lock
 * keeps "read body and its index" atomic, which is what makes blocking answers consistent; the double
 * serves a handful of test clients, so contention is irrelevant.
 *
 * <p>The store knows its tables only as {@link Table}s, so the catalog and KV packages depend on this one
 * and not the other way round; whoever reads or writes a table does it inside {@link #read} or
 * {@link #write}.
 */
public final class StateStore {

    /** Notified after a write commits, outside the lock, so listeners may read state again. */
    public interface Listener {
        void onCommit();

        /** The store went back in time (snapshot restore): parked readers must return now. */
        void onRestore();
    }

    /** A table guarded by the store's lock. Not thread-safe itself: the store serialises access. */
    public interface Table {
        /** Snapshot restore: moves every index the table stamped back to at most {@code max}. */
        void clampIndexes(long max);
    }

    private final Object lock = new Object();
    private final List<Table> tables;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private long raftIndex;

    /** @param tables every table whose indexes a snapshot restore must move back, in clamping order */
    public StateStore(long initialIndex, List<Table> tables) {
        this.raftIndex = initialIndex;
        this.tables = List.copyOf(tables);
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** Runs a read under the lock; the reader may use any of the store's tables. */
    public <T> T read(Supplier<T> reader) {
        synchronized (lock) {
            return reader.get();
        }
    }

    /** Runs a write under the lock and wakes blocked readers if it changed anything. */
    public <T> T write(Function<Txn, T> writer) {
        Txn txn = new Txn(this);
        T result;
        synchronized (lock) {
            result = writer.apply(txn);
        }
        if (txn.changedState()) {
            listeners.forEach(Listener::onCommit);
        }
        return result;
    }

    /**
     * Simulates a snapshot restore to an older raft index: the counter and every stamped index are moved
     * back to at most {@code index}, and blocked queries return early with the lower index.
     */
    public void restoreTo(long index) {
        if (index < 1) {
            throw new IllegalArgumentException("index must be >= 1");
        }
        synchronized (lock) {
            raftIndex = index;
            tables.forEach(table -> table.clampIndexes(index));
        }
        listeners.forEach(Listener::onRestore);
    }

    public long currentIndex() {
        synchronized (lock) {
            return raftIndex;
        }
    }

    long allocateIndex() {
        // Only called from Txn, i.e. while the write holds the lock.
        return ++raftIndex;
    }
}
