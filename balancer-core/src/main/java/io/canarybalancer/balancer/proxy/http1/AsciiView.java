package io.canarybalancer.balancer.proxy.http1;

/**
 * A {@link CharSequence} over bytes of a head, one char per byte (ISO-8859-1), without copying. The
 * proxy re-points its views at each head, so they are valid only while that head is current.
 */
final class AsciiView implements CharSequence {
    private byte[] bytes;
    private int start;
    private int length;

    AsciiView() {
    }

    AsciiView(byte[] bytes, int start, int end) {
        set(bytes, start, end);
    }

    AsciiView set(byte[] bytes, int start, int end) {
        this.bytes = bytes;
        this.start = start;
        this.length = end - start;
        return this;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(int index) {
        if (index < 0 || index >= length) {
            throw new IndexOutOfBoundsException(index);
        }
        return (char) (bytes[start + index] & 0xff);
    }

    @Override
    public CharSequence subSequence(int from, int to) {
        if (from < 0 || to > length || from > to) {
            throw new IndexOutOfBoundsException("[" + from + ", " + to + ") of " + length);
        }
        return new AsciiView(bytes, start + from, start + to);
    }

    @Override
    public String toString() {
        return Ascii.string(bytes, start, start + length);
    }
}
