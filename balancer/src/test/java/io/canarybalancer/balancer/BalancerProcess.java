package io.canarybalancer.balancer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real {@code balancer.jar}, started as its own JVM for an integration test. Start-up is
 * awaited by reading the balancer's own "listening on" log line, which also gives the port when the
 * configuration asks for port 0. Only the process started here is ever stopped.
 */
public final class BalancerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("Balancer listening on (\\S+):(\\d+)$");
    private static final Pattern ADMIN = Pattern.compile("Admin API listening on /?(\\S+):(\\d+)");
    /** The second and further listeners (the first one's line is {@link #LISTENING}). */
    private static final Pattern ALSO_LISTENING = Pattern.compile("Balancer also listening on (\\S+):(\\d+)");

    private final Process process;
    private final List<String> output = Collections.synchronizedList(new ArrayList<>());
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private final CompletableFuture<Integer> adminPort = new CompletableFuture<>();
    /** Every listener's port in configuration order; all are logged before the admin API's line. */
    private final List<Integer> ports = Collections.synchronizedList(new ArrayList<>());

    private BalancerProcess(Process process) {
        this.process = process;
        Thread reader = new Thread(this::readOutput, "balancer-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts the jar with {@code --config config} and the given JVM options, and waits until it listens. */
    public static BalancerProcess start(Path config, String... jvmOptions) throws IOException {
        List<String> arguments = new ArrayList<>(List.of(jvmOptions));
        arguments.addAll(List.of("-jar", jar().toString(), "--config", config.toString()));
        return start(Map.of(), arguments);
    }

    /** Starts {@code java ARGUMENTS} with extra environment variables, and waits until it listens. */
    public static BalancerProcess start(Map<String, String> env, List<String> arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        BalancerProcess balancer = new BalancerProcess(builder.start());
        try {
            balancer.port.get(30, TimeUnit.SECONDS);
            balancer.adminPort.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            balancer.close();
            throw new IllegalStateException("balancer did not start; output:\n" + String.join("\n", balancer.output), e);
        }
        return balancer;
    }

    /**
     * Runs the jar with these arguments to completion and returns exit code and output. A process
     * that has not ended after a minute is killed and the call fails with its output so far: these
     * runs must end by themselves (start-up failures included), and a hung one must not hang the build.
     */
    public static Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar().toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuffer text = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                lines.lines().forEach(line -> text.append(line).append('\n'));
            } catch (IOException | UncheckedIOException e) {
                // the process ended
            }
        }, "balancer-run-output");
        reader.setDaemon(true);
        reader.start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            reader.join(TimeUnit.SECONDS.toMillis(10));
            throw new IllegalStateException("balancer did not exit; output:\n" + text);
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        return new Result(process.exitValue(), text.toString());
    }

    public record Result(int exitCode, String output) {
    }

    /** @return the pool that answered, as the balancer names it in {@code X-Canary-Pool}, or {@code none} */
    public static String pool(HttpResponse<String> response) {
        return response.headers().firstValue("X-Canary-Pool").orElse("none");
    }

    static Path jar() {
        String jar = System.getProperty("balancer.jar");
        if (jar == null) {
            throw new IllegalStateException("system property balancer.jar is not set (run through mvn verify)");
        }
        return Path.of(jar);
    }

    public int port() {
        return port.join();
    }

    /** The port of the configuration's {@code index}th listener (0 is the first, {@link #port()}). */
    public int port(int index) {
        adminPort.join();
        return ports.get(index);
    }

    public int adminPort() {
        return adminPort.join();
    }

    public String adminUrl() {
        return "http://127.0.0.1:" + adminPort();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    public String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    /** Waits until the balancer has printed a line containing {@code text}; false on timeout. */
    public boolean awaitOutput(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (output) {
            while (output.stream().noneMatch(line -> line.contains(text))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(output, left);
            }
            return true;
        }
    }

    public long pid() {
        return process.pid();
    }

    /** Sends SIGTERM and waits for the exit code (bounded). */
    public int stop() throws InterruptedException {
        // Through the process handle: Process.destroy() would also close our end of its output,
        // and we want its last lines.
        process.toHandle().destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                stop();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void readOutput() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                synchronized (output) {
                    output.add(line);
                    output.notifyAll();
                }
                Matcher matcher = LISTENING.matcher(line);
                if (matcher.find()) {
                    ports.add(0, Integer.parseInt(matcher.group(2)));
                    port.complete(Integer.parseInt(matcher.group(2)));
                }
                Matcher also = ALSO_LISTENING.matcher(line);
                if (also.find()) {
                    ports.add(Integer.parseInt(also.group(2)));
                }
                Matcher admin = ADMIN.matcher(line);
                if (admin.find()) {
                    adminPort.complete(Integer.parseInt(admin.group(2)));
                }
            }
        } catch (IOException e) {
            // the process ended
        } finally {
            port.completeExceptionally(new IllegalStateException("balancer exited"));
            adminPort.completeExceptionally(new IllegalStateException("balancer exited"));
        }
    }
}
