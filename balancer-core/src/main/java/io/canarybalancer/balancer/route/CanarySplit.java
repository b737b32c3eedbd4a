package io.canarybalancer.balancer.route;

/**
 * Which side each un-flagged request goes to under {@code weight}: exactly {@code percent}% to the
 * canary (and, for a mirror, which requests are copied to it). The cycle is precomputed like a Bresenham line: over {@code 100 / gcd(percent, 100)} picks
 * the canary slots are spread evenly, so 10% means one canary pick in every ten, not ten in a row.
 */
public final class CanarySplit {
    private final boolean[] canarySlots;
    /** The place in the cycle; {@code null} when every pick goes the same way (0 or 100%). */
    private final CycleCounter position;

    public CanarySplit(int percent) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("percent must be between 0 and 100: " + percent);
        }
        int divisor = Rotation.gcd(percent, 100);
        int length = 100 / divisor;
        int share = percent / divisor;
        this.canarySlots = new boolean[length];
        for (int i = 0; i < length; i++) {
            canarySlots[i] = (i + 1) * share / length > i * share / length;
        }
        this.position = length == 1 ? null : new CycleCounter(length);
    }

    /** Whether this pick goes to the canary. */
    public boolean toCanary() {
        return position == null ? canarySlots[0] : canarySlots[position.next()];
    }
}
