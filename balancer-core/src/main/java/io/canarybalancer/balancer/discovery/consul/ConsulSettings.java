package io.canarybalancer.balancer.discovery.consul;

import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.option.ConsistencyMode;
import org.kiwiproject.consul.option.ImmutableQueryOptions;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach Consul and how to watch it.
 *
 * @param url              the agent's HTTP address, e.g. {@code http://127.0.0.1:8500}
 * @param token            ACL token sent as {@code X-Consul-Token}, or {@code null}
 * @param datacenter       the datacenter to query, or {@code null} for the agent's own
 * @param blockingWait     how long one blocking query may be held by Consul
 * @param emptyAnswerGrace how long replicas are kept when Consul suddenly answers "none" right after
 *                         its index went backwards (an agent that restarted and lost its state)
 * @param backoffMin       first retry delay after a failed call; doubles per failure
 * @param backoffMax       longest retry delay
 * @param burst            answers let through back to back before calls are spaced
 * @param minInterval      spacing of calls once the burst is spent
 */
public record ConsulSettings(String url, String token, String datacenter, Duration blockingWait, Duration emptyAnswerGrace,
                             Duration backoffMin, Duration backoffMax, int burst, Duration minInterval) {

    public ConsulSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(blockingWait, "blockingWait");
        Objects.requireNonNull(emptyAnswerGrace, "emptyAnswerGrace");
        Objects.requireNonNull(backoffMin, "backoffMin");
        Objects.requireNonNull(backoffMax, "backoffMax");
        Objects.requireNonNull(minInterval, "minInterval");
    }

    /** Defaults for a local agent: 30 s blocking queries, 30 s grace, 250 ms to 10 s backoff, burst 5 then 1/s. */
    public static ConsulSettings of(String url, String token, String datacenter) {
        return new ConsulSettings(url, token, datacenter, Duration.ofSeconds(30), Duration.ofSeconds(30),
                Duration.ofMillis(250), Duration.ofSeconds(10), 5, Duration.ofSeconds(1));
    }

    /** The client read timeout: the wait (as sent, whole seconds), Consul's jitter of up to wait/16, and a margin. */
    Duration readTimeout() {
        Duration sent = Duration.ofSeconds(Math.max(1, (blockingWait.toMillis() + 999) / 1000));
        return sent.plus(sent.dividedBy(16)).plusSeconds(2);
    }

    /** A consul-client for these settings: no ping at build, the token as {@code X-Consul-Token}, a read timeout above the wait. */
    public Consul client() {
        Consul.Builder builder = Consul.builder()
                .withUrl(url)
                .withPing(false)
                .withConnectTimeoutMillis(2_000)
                .withReadTimeoutMillis(readTimeout().toMillis());
        if (token != null) {
            builder.withTokenAuth(token); // the header, not the deprecated ?token=
        }
        return builder.build();
    }

    /**
     * Options of one read: in the configured datacenter, blocking on {@code index} when it is set.
     * Stale reads: any server may answer, so discovery keeps working through a leader election
     * (answers are then marked KnownLeader=false, which the watch state reports).
     */
    public ImmutableQueryOptions queryOptions(long index, Duration wait) {
        ImmutableQueryOptions.Builder options = ImmutableQueryOptions.builder().consistencyMode(ConsistencyMode.STALE);
        if (datacenter != null) {
            options.datacenter(datacenter);
        }
        if (index > 0) {
            options.index(BigInteger.valueOf(index)).wait(waitParameter(wait));
        }
        return options.build();
    }

    /**
     * A blocking query's {@code wait} parameter in whole seconds, rounded up, at least 1 s: the form
     * consul-client's per-request timeout understands (it warns about {@code 500ms}).
     */
    static String waitParameter(Duration wait) {
        long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
        return seconds + "s";
    }

    /** The {@code url}, with {@code http://} added when it names only host and port (as CONSUL_HTTP_ADDR may). */
    public static String normaliseUrl(String address) {
        String trimmed = address.trim();
        return trimmed.contains("://") ? trimmed : "http://" + trimmed;
    }
}
