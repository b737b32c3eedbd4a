package io.canarybalancer.consuldouble.kv;

import io.canarybalancer.consuldouble.state.StateStore;
import io.canarybalancer.consuldouble.state.Txn;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The KV table with Consul's index rules. Deletes leave tombstones carrying the delete's index so that a
 * recursive watch on a prefix wakes when a key under it disappears; reaping tombstones
 * ({@link #reapTombstones()}) is how the prefix index can legitimately go backwards. Not thread-safe:
 * {@link StateStore} serialises access.
 */
public final class KvStore implements StateStore.Table {

    private final NavigableMap<String, KvEntry> entries = new TreeMap<>();
    private final NavigableMap<String, Long> tombstones = new TreeMap<>();
    /** Highest index ever written to the kvs or tombstones tables. */
    private long tableIndex;

    public Optional<KvEntry> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /** Entries whose key starts with {@code prefix} (plain string prefix: {@code foo} matches {@code foobar}). */
    public List<KvEntry> list(String prefix) {
        return new ArrayList<>(underPrefix(entries, prefix).values());
    }

    /**
     * Key names under {@code prefix}; with a separator, keys are cut after the first separator that
     * follows the prefix and de-duplicated, as {@code ?keys&separator=/} does.
     */
    public List<String> keys(String prefix, String separator) {
        Set<String> out = new LinkedHashSet<>();
        for (String key : underPrefix(entries, prefix).keySet()) {
            if (separator != null && !separator.isEmpty()) {
                int at = key.indexOf(separator, prefix.length());
                out.add(at < 0 ? key : key.substring(0, at + separator.length()));
            } else {
                out.add(key);
            }
        }
        return new ArrayList<>(out);
    }

    /** Index of a single-key read: the key's ModifyIndex, or the table index (at least 1) when absent. */
    public long keyIndex(String key) {
        KvEntry entry = entries.get(key);
        return entry != null ? entry.modifyIndex() : Math.max(tableIndex, 1);
    }

    /**
     * Index of a recursive read: the highest ModifyIndex under the prefix including tombstones; the
     * whole table's index for the empty prefix or when nothing lives under the prefix.
     */
    public long prefixIndex(String prefix) {
        if (prefix.isEmpty()) {
            return Math.max(tableIndex, 1);
        }
        long max = 0;
        for (KvEntry e : underPrefix(entries, prefix).values()) {
            max = Math.max(max, e.modifyIndex());
        }
        for (long tomb : underPrefix(tombstones, prefix).values()) {
            max = Math.max(max, tomb);
        }
        return max != 0 ? max : Math.max(tableIndex, 1);
    }

    /**
     * Stores a value. With {@code cas} set, {@code 0} means "only if absent" and {@code N} means "only if
     * the current ModifyIndex is N".
     *
     * @return false when the check-and-set did not match (nothing written)
     */
    public boolean put(Txn txn, String key, byte[] value, long flags, Long cas) {
        KvEntry existing = entries.get(key);
        if (cas != null && !casMatches(existing, cas)) {
            return false;
        }
        long index = txn.index();
        long createIndex = existing == null ? index : existing.createIndex();
        long lockIndex = existing == null ? 0 : existing.lockIndex();
        entries.put(key, new KvEntry(key, value, flags, createIndex, index, lockIndex));
        tombstones.remove(key);
        tableIndex = index;
        return true;
    }

    /**
     * Deletes one key. Deleting an absent key succeeds without writing anything; {@code cas} (when
     * non-null and non-zero) requires the ModifyIndex to match.
     */
    public boolean delete(Txn txn, String key, Long cas) {
        KvEntry existing = entries.get(key);
        if (cas != null && cas != 0 && (existing == null || existing.modifyIndex() != cas)) {
            return false;
        }
        if (existing == null) {
            return true;
        }
        long index = txn.index();
        entries.remove(key);
        tombstones.put(key, index);
        tableIndex = index;
        return true;
    }

    /** Deletes every key under the prefix. */
    public void deleteTree(Txn txn, String prefix) {
        Map<String, KvEntry> doomed = underPrefix(entries, prefix);
        if (doomed.isEmpty()) {
            return;
        }
        long index = txn.index();
        for (String key : doomed.keySet()) {
            entries.remove(key);
            tombstones.put(key, index);
        }
        tableIndex = index;
    }

    public void reapTombstones() {
        tombstones.clear();
    }

    @Override
    public void clampIndexes(long max) {
        entries.replaceAll((k, e) -> e.withIndexes(Math.min(e.createIndex(), max), Math.min(e.modifyIndex(), max)));
        tombstones.replaceAll((k, v) -> Math.min(v, max));
        tableIndex = Math.min(tableIndex, max);
    }

    private static boolean casMatches(KvEntry existing, long cas) {
        if (cas == 0) {
            return existing == null;
        }
        return existing != null && existing.modifyIndex() == cas;
    }

    /** A copy of the entries whose key starts with {@code prefix}, in key order. */
    private static <V> NavigableMap<String, V> underPrefix(NavigableMap<String, V> map, String prefix) {
        NavigableMap<String, V> out = new TreeMap<>();
        for (Map.Entry<String, V> e : map.tailMap(prefix, true).entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                break;
            }
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }
}
