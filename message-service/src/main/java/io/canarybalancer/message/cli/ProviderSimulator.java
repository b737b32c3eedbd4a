package io.canarybalancer.message.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for the course's message provider, for runs without Docker: {@code POST /message
 * {destination, body}} answers 200, a "controlled" 500, or 200 only after a stall, at configurable rates
 * drawn from a seeded random sequence. It records every message it receives (by the {@code X-Message-Id}
 * header), so a test can prove that none was sent twice; {@code GET /deliveries} shows the tally.
 */
public final class ProviderSimulator implements AutoCloseable {

    /** The header the message service names each message with. */
    public static final String MESSAGE_ID_HEADER = "X-Message-Id";

    /** How each received message was answered. */
    public enum Answer {
        /** 200 at once. */
        OK,
        /** The controlled 500. */
        ERROR,
        /** 200 after the stall. */
        LATE
    }

    /**
     * @param host      address to listen on
     * @param port      port, 0 for any free one
     * @param errorRate share of messages answered 500, 0 to 1
     * @param stallRate share answered only after {@code stall}, 0 to 1 (with errorRate, at most 1 in all)
     * @param stall     how late a stalled answer comes
     * @param seed      seed of the random sequence that picks the answers
     * @param threads   how many requests it serves at once (stalled ones hold a thread)
     */
    public record Settings(String host, int port, double errorRate, double stallRate, Duration stall, long seed,
                           int threads) {

        public Settings {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(stall, "stall");
            if (errorRate < 0 || stallRate < 0 || errorRate + stallRate > 1) {
                throw new IllegalArgumentException("error and stall rates must be between 0 and 1, and add up to at most 1");
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1");
            }
        }
    }

    private final Settings settings;
    private final HttpServer server;
    private final ExecutorService executor;
    private final Random random;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, List<Answer>> answers = new ConcurrentHashMap<>();
    private final AtomicLong anonymous = new AtomicLong();
    private final AtomicInteger received = new AtomicInteger();
    private final AtomicInteger malformed = new AtomicInteger();

    private ProviderSimulator(Settings settings) throws IOException {
        this.settings = settings;
        this.random = new Random(settings.seed());
        this.server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 128);
        AtomicInteger index = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(settings.threads(), runnable -> {
            Thread thread = new Thread(runnable, "provider-" + index.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/message", this::message);
        server.createContext("/deliveries", this::deliveries);
    }

    /** @return a simulator listening already */
    public static ProviderSimulator start(Settings settings) throws IOException {
        ProviderSimulator simulator = new ProviderSimulator(settings);
        simulator.server.start();
        return simulator;
    }

    /** @return the port it listens on */
    public int port() {
        return server.getAddress().getPort();
    }

    /** @return its base URL, e.g. {@code http://127.0.0.1:3000} */
    public URI url() {
        return URI.create("http://" + settings.host() + ":" + port());
    }

    /** @return each message id received, with every answer it got, in order */
    public Map<String, List<Answer>> answers() {
        Map<String, List<Answer>> copy = new LinkedHashMap<>();
        answers.forEach((id, list) -> copy.put(id, List.copyOf(list)));
        return copy;
    }

    /** @return the ids received more than once (a correct message service leaves this empty) */
    public List<String> duplicates() {
        List<String> duplicates = new ArrayList<>();
        answers.forEach((id, list) -> {
            if (list.size() > 1) {
                duplicates.add(id);
            }
        });
        return duplicates;
    }

    /** @return how many well-formed messages it received */
    public int received() {
        return received.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void message(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().add("Allow", "POST");
                respond(exchange, 405, "method not allowed");
                return;
            }
            JsonNode body;
            try {
                body = json.readTree(exchange.getRequestBody());
            } catch (IOException e) {
                body = null;
            }
            if (body == null || !body.path("destination").isTextual() || !body.path("body").isTextual()) {
                malformed.incrementAndGet();
                respond(exchange, 400, "destination and body are required");
                return;
            }
            String id = exchange.getRequestHeaders().getFirst(MESSAGE_ID_HEADER);
            if (id == null || id.isBlank()) {
                id = "anonymous-" + anonymous.incrementAndGet();
            }
            Answer answer = draw();
            received.incrementAndGet();
            answers.computeIfAbsent(id, key -> new CopyOnWriteArrayList<>()).add(answer);
            switch (answer) {
                case ERROR -> respond(exchange, 500, "controlled error");
                case LATE -> {
                    try {
                        Thread.sleep(settings.stall().toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    respond(exchange, 200, "OK");
                }
                case OK -> respond(exchange, 200, "OK");
            }
        }
    }

    private void deliveries(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, Object> tally = new LinkedHashMap<>();
            Map<Answer, Integer> byAnswer = new LinkedHashMap<>();
            answers.values().forEach(list -> list.forEach(answer -> byAnswer.merge(answer, 1, Integer::sum)));
            tally.put("received", received.get());
            tally.put("distinct", answers.size());
            tally.put("answers", byAnswer);
            tally.put("malformed", malformed.get());
            tally.put("duplicates", duplicates());
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            respond(exchange, 200, json.writeValueAsString(tally));
        }
    }

    // One shared sequence: the same seed gives the same answers in the same arrival order.
    private Answer draw() {
        double roll;
        synchronized (random) {
            roll = random.nextDouble();
        }
        if (roll < settings.errorRate()) {
            return Answer.ERROR;
        }
        return roll < settings.errorRate() + settings.stallRate() ? Answer.LATE : Answer.OK;
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
