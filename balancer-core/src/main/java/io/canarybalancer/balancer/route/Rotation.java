package io.canarybalancer.balancer.route;

import java.util.List;

/**
 * Smooth weighted round robin over a list of replicas, laid out once into a ring so that a pick is
 * one atomic increment and an array read.
 *
 * <p>The ring is the sequence nginx's smooth algorithm produces over one full cycle: every step each
 * replica's running score grows by its weight, the highest score is picked and loses the total
 * weight. Over a cycle of {@code total} picks each replica appears exactly {@code weight} times,
 * interleaved (weights 2:1:1 give {@code a b c a}), so any window of whole cycles is split exactly.
 * Because the position comes from one shared counter, concurrent requests still see whole cycles.
 *
 * <p>Weights are first divided by their greatest common divisor. A cycle longer than
 * {@link #MAX_RING} is scaled down proportionally (shares then become approximate, which only
 * happens with very large, uneven weights).
 */
final class Rotation {
    static final int MAX_RING = 10_000;
    /** Picks nothing: a pool without replicas, or a halted canary. */
    static final Rotation NONE = new Rotation(new Replica[0]);

    private final Replica[] ring;
    /** The place in the ring; {@code null} when the ring is empty. */
    private final CycleCounter position;

    private Rotation(Replica[] ring) {
        this.ring = ring;
        this.position = ring.length == 0 ? null : new CycleCounter(ring.length);
    }

    /** A rotation over these replicas, {@link #NONE} when there are none. */
    static Rotation of(List<Replica> replicas) {
        return replicas.isEmpty() ? NONE : new Rotation(layOut(replicas, normalisedWeights(replicas)));
    }

    /** The next replica of the cycle, or {@code null} when there is none. */
    Replica next() {
        return ring.length == 0 ? null : ring[position.next()];
    }

    /** The cycle, for tests. */
    List<Replica> cycle() {
        return List.of(ring);
    }

    private static int[] normalisedWeights(List<Replica> replicas) {
        int[] weights = new int[replicas.size()];
        int divisor = 0;
        long total = 0;
        for (int i = 0; i < weights.length; i++) {
            weights[i] = replicas.get(i).weight();
            divisor = gcd(divisor, weights[i]);
            total += weights[i];
        }
        total /= divisor;
        for (int i = 0; i < weights.length; i++) {
            weights[i] /= divisor;
            if (total > MAX_RING) {
                weights[i] = (int) Math.max(1, Math.round((double) weights[i] * MAX_RING / total));
            }
        }
        return weights;
    }

    private static Replica[] layOut(List<Replica> replicas, int[] weights) {
        int total = 0;
        for (int weight : weights) {
            total += weight;
        }
        Replica[] ring = new Replica[total];
        long[] score = new long[weights.length];
        for (int slot = 0; slot < total; slot++) {
            int best = 0;
            for (int i = 0; i < weights.length; i++) {
                score[i] += weights[i];
                if (score[i] > score[best]) {
                    best = i;
                }
            }
            score[best] -= total;
            ring[slot] = replicas.get(best);
        }
        return ring;
    }

    static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
