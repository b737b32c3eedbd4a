package io.canarybalancer.consuldouble;

/**
 * One stored key. {@code value} is kept as raw bytes because KV bodies are opaque to Consul.
 */
record KvEntry(String key, byte[] value, long flags, long createIndex, long modifyIndex, long lockIndex) {

    KvEntry {
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
