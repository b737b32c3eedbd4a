package io.canarybalancer.consuldouble;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The double's whole state (catalog and KV) behind one lock, plus the raft-like global index. One lock
 * keeps "read body and its index" atomic, which is what makes blocking answers consistent; the double
 * serves a handful of test clients, so contention is irrelevant.
 */
final class StateStore {

    /** Notified after a write commits, outside the lock, so listeners may read state again. */
    interface Listener {
        void onCommit();

        /** The store went back in time (snapshot restore): parked readers must return now. */
        void onRestore();
    }

    private final Object lock = new Object();
    private final Catalog catalog = new Catalog();
    private final KvStore kv = new KvStore();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private long raftIndex;

    StateStore(long initialIndex) {
        this.raftIndex = initialIndex;
    }

    void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** Runs a read under the lock; the reader may use {@link #catalog()} and {@link #kv()}. */
    <T> T read(Supplier<T> reader) {
        synchronized (lock) {
            return reader.get();
        }
    }

    /** Runs a write under the lock and wakes blocked readers if it changed anything. */
    <T> T write(Function<Txn, T> writer) {
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
    void restoreTo(long index) {
        if (index < 1) {
            throw new IllegalArgumentException("index must be >= 1");
        }
        synchronized (lock) {
            raftIndex = index;
            catalog.clampIndexes(index);
            kv.clampIndexes(index);
        }
        listeners.forEach(Listener::onRestore);
    }

    long currentIndex() {
        synchronized (lock) {
            return raftIndex;
        }
    }

    long allocateIndex() {
        // Only called from Txn, i.e. while the write holds the lock.
        return ++raftIndex;
    }

    Catalog catalog() {
        return catalog;
    }

    KvStore kv() {
        return kv;
    }
}
