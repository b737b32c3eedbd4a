package io.canarybalancer.balancer;

import java.io.InputStream;
import java.util.Arrays;

/** {@code size} bytes generated on demand, so a gigabyte body costs no memory. */
public final class GeneratedStream extends InputStream {
    private long remaining;

    public GeneratedStream(long size) {
        this.remaining = size;
    }

    @Override
    public int read() {
        if (remaining == 0) {
            return -1;
        }
        remaining--;
        return 'x';
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
        if (remaining == 0) {
            return -1;
        }
        int n = (int) Math.min(length, remaining);
        Arrays.fill(buffer, offset, offset + n, (byte) 'x');
        remaining -= n;
        return n;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, remaining);
    }
}
