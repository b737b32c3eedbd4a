/**
 * The double's state behind one lock: {@code StateStore} (reads and writes, the raft-like global index,
 * commit listeners, snapshot restore) and {@code Txn} (one write's index, taken lazily). Internal; it knows
 * its tables only as {@code StateStore.Table}, so the catalog and KV depend on it and not the reverse.
 */
package io.canarybalancer.consuldouble.state;
