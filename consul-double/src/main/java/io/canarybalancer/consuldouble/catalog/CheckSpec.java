package io.canarybalancer.consuldouble.catalog;

import io.canarybalancer.consuldouble.http.GoDuration;

import java.util.List;
import java.util.Objects;

/**
 * A check definition, as registered over HTTP or seeded from a test. The double never executes HTTP,
 * TCP, gRPC or script checks: their status only changes through
 * {@link io.canarybalancer.consuldouble.ConsulDouble#setCheckStatus} (or starts as {@link #status(String)},
 * or passing when {@link io.canarybalancer.consuldouble.ConsulDouble.Builder#autoPassNewChecks} is on).
 * TTL checks do expire to critical when their TTL elapses without an update, like the real agent's.
 */
public final class CheckSpec {

    private String id;
    private String name;
    private String notes;
    private String status;
    private final String type;
    private String ttl = "";
    private String http = "";
    private String tcp = "";
    private String grpc = "";
    private List<String> args = List.of();
    private String interval = "";
    private String timeout = "";
    private String deregisterCriticalServiceAfter = "";
    private String serviceId;

    private CheckSpec(String type) {
        this.type = type;
    }

    /** A TTL check ({@code "15s"}): critical until passed, and critical again when the TTL runs out. */
    public static CheckSpec ttl(String ttl) {
        GoDuration.parse(ttl);
        CheckSpec spec = new CheckSpec("ttl");
        spec.ttl = ttl;
        return spec;
    }

    /**
     * A check whose status changes only when a test (or a TTL pass/warn/fail call) says so: a TTL-type
     * check without expiry. This is a convenience of the double; real Consul has no such check.
     */
    public static CheckSpec manual() {
        return new CheckSpec("ttl");
    }

    /** An HTTP check; not executed by the double, see the class comment. */
    public static CheckSpec http(String url, String interval) {
        CheckSpec spec = new CheckSpec("http");
        spec.http = Objects.requireNonNull(url, "url");
        return spec.interval(interval);
    }

    /** A TCP check ({@code host:port}); not executed by the double. */
    public static CheckSpec tcp(String address, String interval) {
        CheckSpec spec = new CheckSpec("tcp");
        spec.tcp = Objects.requireNonNull(address, "address");
        return spec.interval(interval);
    }

    /** A gRPC check; not executed by the double. */
    public static CheckSpec grpc(String target, String interval) {
        CheckSpec spec = new CheckSpec("grpc");
        spec.grpc = Objects.requireNonNull(target, "target");
        return spec.interval(interval);
    }

    /** A script check; not executed by the double. */
    public static CheckSpec script(List<String> args, String interval) {
        CheckSpec spec = new CheckSpec("script");
        spec.args = List.copyOf(args);
        return spec.interval(interval);
    }

    public static CheckSpec ofType(String type) {
        return new CheckSpec(type);
    }

    /** Check ID; defaults to {@code service:<serviceId>} ({@code :1}, {@code :2}... with several checks). */
    public CheckSpec id(String checkId) {
        this.id = checkId;
        return this;
    }

    /** Display name; defaults to {@code Service '<name>' check}. */
    public CheckSpec name(String checkName) {
        this.name = checkName;
        return this;
    }

    public CheckSpec notes(String checkNotes) {
        this.notes = checkNotes;
        return this;
    }

    /** Initial status ({@code passing}, {@code warning}, {@code critical}); Consul's default is critical. */
    public CheckSpec status(String initialStatus) {
        this.status = initialStatus;
        return this;
    }

    public CheckSpec interval(String checkInterval) {
        this.interval = checkInterval == null ? "" : checkInterval;
        return this;
    }

    public CheckSpec timeout(String checkTimeout) {
        this.timeout = checkTimeout == null ? "" : checkTimeout;
        return this;
    }

    /** Recorded and reported only: the double does not reap critical services. */
    public CheckSpec deregisterCriticalServiceAfter(String after) {
        this.deregisterCriticalServiceAfter = after == null ? "" : after;
        return this;
    }

    /** For checks registered on their own ({@code /v1/agent/check/register}): the service they belong to. */
    public CheckSpec serviceId(String owner) {
        this.serviceId = owner;
        return this;
    }

    public CheckSpec ttlValue(String value) {
        this.ttl = value;
        return this;
    }

    public CheckSpec httpValue(String value) {
        this.http = value;
        return this;
    }

    public CheckSpec tcpValue(String value) {
        this.tcp = value;
        return this;
    }

    public CheckSpec grpcValue(String value) {
        this.grpc = value;
        return this;
    }

    public CheckSpec argsValue(List<String> value) {
        this.args = List.copyOf(value);
        return this;
    }

    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    public String notes() {
        return notes == null ? "" : notes;
    }

    public String status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String ttl() {
        return ttl;
    }

    public String http() {
        return http;
    }

    public String tcp() {
        return tcp;
    }

    public String grpc() {
        return grpc;
    }

    List<String> args() {
        return args;
    }

    public String interval() {
        return interval;
    }

    public String timeout() {
        return timeout;
    }

    public String deregisterCriticalServiceAfter() {
        return deregisterCriticalServiceAfter;
    }

    public String serviceId() {
        return serviceId;
    }
}
