package io.canarybalancer.consuldouble.server;

import io.canarybalancer.consuldouble.http.RecordedRequest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Every HTTP request the double received, in arrival order, including ones answered by faults. Tests use
 * it to assert what a client sent and to wait for "the watcher has polled N times" without sleeping.
 */
public final class RequestRecorder {

    private final AtomicLong sequence = new AtomicLong();
    private final List<RecordedRequest> requests = new ArrayList<>();

    long nextSequence() {
        return sequence.incrementAndGet();
    }

    void record(RecordedRequest request) {
        synchronized (requests) {
            requests.add(request);
            requests.notifyAll();
        }
    }

    /** @return a snapshot of all recorded requests, oldest first */
    public List<RecordedRequest> all() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    public List<RecordedRequest> matching(Predicate<RecordedRequest> predicate) {
        return all().stream().filter(predicate).toList();
    }

    /** @return requests whose decoded path starts with {@code pathPrefix} */
    public List<RecordedRequest> forPath(String pathPrefix) {
        return matching(r -> r.path().startsWith(pathPrefix));
    }

    public Optional<RecordedRequest> last() {
        List<RecordedRequest> all = all();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    public Optional<RecordedRequest> last(String pathPrefix) {
        List<RecordedRequest> matching = forPath(pathPrefix);
        return matching.isEmpty() ? Optional.empty() : Optional.of(matching.get(matching.size() - 1));
    }

    public int count() {
        synchronized (requests) {
            return requests.size();
        }
    }

    /** @return number of requests whose decoded path starts with {@code pathPrefix} */
    public int count(String pathPrefix) {
        return forPath(pathPrefix).size();
    }

    /** @return request counts keyed by exact decoded path, sorted by path */
    public Map<String, Long> countsByPath() {
        Map<String, Long> counts = new TreeMap<>();
        for (RecordedRequest r : all()) {
            counts.merge(r.path(), 1L, Long::sum);
        }
        return counts;
    }

    /** Forgets everything recorded so far (sequence numbers keep increasing). */
    public void clear() {
        synchronized (requests) {
            requests.clear();
        }
    }

    /**
     * Waits until at least {@code count} recorded requests match.
     *
     * @return the matching requests, or an empty list if the timeout passed first (or the thread was
     *         interrupted)
     */
    public List<RecordedRequest> await(Predicate<RecordedRequest> predicate, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (requests) {
            while (true) {
                List<RecordedRequest> matching = requests.stream().filter(predicate).toList();
                if (matching.size() >= count) {
                    return matching;
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return List.of();
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(requests, remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return List.of();
                }
            }
        }
    }

    /** {@link #await(Predicate, int, Duration)} for requests under a path prefix. */
    public List<RecordedRequest> await(String pathPrefix, int count, Duration timeout) {
        return await(r -> r.path().startsWith(pathPrefix), count, timeout);
    }
}
