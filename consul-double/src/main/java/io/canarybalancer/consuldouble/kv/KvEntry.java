package io.canarybalancer.consuldouble.kv;

/**
 * One stored key. {@code value} is kept as raw bytes because KV bodies are opaque to Consul.
 */
public record KvEntry(String key, byte[] value, long flags, long createIndex, long modifyIndex, long lockIndex) {

    public KvEntry {
        value = value == null ? new byte[0] : value.clone();
    }

    @Override
    public byte[] value() {
        return value.clone();
    }

    KvEntry withIndexes(long create, long modify) {
        return new KvEntry(key, value, flags, create, modify, lockIndex);
    }
}
