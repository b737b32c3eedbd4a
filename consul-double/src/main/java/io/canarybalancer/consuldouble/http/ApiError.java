package io.canarybalancer.consuldouble.http;

/**
 * An error answer in Consul's style: an HTTP status with a plain-text reason. Endpoints throw it so the
 * router can turn every failure into the same {@code text/plain} shape the real agent uses.
 */
public final class ApiError extends RuntimeException {

    private final int status;
    private final String allow;

    public ApiError(int status, String message) {
        this(status, message, null);
    }

    private ApiError(int status, String message, String allow) {
        super(message, null, false, false);
        this.status = status;
        this.allow = allow;
    }

    public static ApiError badRequest(String message) {
        return new ApiError(400, message);
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, message);
    }

    public static ApiError methodNotAllowed(String method, String allowed) {
        return new ApiError(405, "method " + method + " not allowed", allowed);
    }

    public Reply toReply() {
        Reply reply = Reply.text(status, getMessage());
        return allow == null ? reply : reply.withHeader("Allow", allow);
    }
}
