package io.canarybalancer.balancer.route;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A set of gRPC status codes (0 to 16, as numbered by the gRPC specification): those a route counts
 * as failed answers when they arrive in a {@code grpc-status} field, although the HTTP status said
 * 200. One bit per code, so a check on the answer path is a shift and a mask.
 */
public final class GrpcCodes {
    /** The names of the codes, indexed by code. */
    private static final String[] NAMES = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
            "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
            "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};

    /**
     * The server's failures, as gRPC's own HTTP mapping sees them (they are what a 5xx would have
     * been): UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE and DATA_LOSS. The
     * others describe the call (a missing entity, a refused caller, a cancelled call), not the replica.
     */
    public static final GrpcCodes SERVER_FAILURES = of(List.of("UNKNOWN", "DEADLINE_EXCEEDED", "UNIMPLEMENTED",
            "INTERNAL", "UNAVAILABLE", "DATA_LOSS"));

    private final int bits;

    private GrpcCodes(int bits) {
        this.bits = bits;
    }

    /**
     * The codes named: each a name ({@code UNAVAILABLE}, any case) or a number from 1 to 16.
     *
     * @throws IllegalArgumentException for anything else, or {@code OK}, which is no failure
     */
    public static GrpcCodes of(List<String> names) {
        int bits = 0;
        for (String name : names) {
            int code = code(name.trim());
            if (code <= 0) {
                throw new IllegalArgumentException("'" + name + "' is not a gRPC status code other than OK (a name such"
                        + " as UNAVAILABLE, or a number from 1 to 16)");
            }
            bits |= 1 << code;
        }
        return new GrpcCodes(bits);
    }

    private static int code(String name) {
        if (name.matches("[0-9]{1,2}")) {
            int code = Integer.parseInt(name);
            return code < NAMES.length ? code : -1;
        }
        String upper = name.toUpperCase(Locale.ROOT);
        for (int code = 0; code < NAMES.length; code++) {
            if (NAMES[code].equals(upper)) {
                return code;
            }
        }
        return -1;
    }

    /** Whether {@code code} is one of these; {@code false} for codes out of range. */
    public boolean contains(int code) {
        return code > 0 && code < NAMES.length && (bits & 1 << code) != 0;
    }

    /** The names of the codes, in code order. */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        for (int code = 1; code < NAMES.length; code++) {
            if (contains(code)) {
                names.add(NAMES[code]);
            }
        }
        return names;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof GrpcCodes codes && codes.bits == bits;
    }

    @Override
    public int hashCode() {
        return bits;
    }

    @Override
    public String toString() {
        return names().toString();
    }
}
