package io.canarybalancer.stack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * bin/demo tells the truth when it cannot finish: run for real, in the two ways it can stop early.
 * Neither gets past its start: each run is over in seconds, and the demo stops what it started.
 */
class DemoScriptTest {
    private static final int BALANCER_PORT = 48151;

    @TempDir
    Path dir;

    @Test
    void aPortHeldByAnOutgoingConnectionIsNamedAsSuch() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket outgoing = new Socket()) {
            outgoing.setReuseAddress(false);
            try {
                outgoing.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), BALANCER_PORT));
            } catch (IOException e) {
                assumeTrue(false, "port " + BALANCER_PORT + " is taken on this machine: " + e.getMessage());
            }
            outgoing.connect(listener.getLocalSocketAddress());

            Run run = demo(null);

            assertThat(run.exitCode()).as(run.output()).isEqualTo(1);
            // said by the demo's own check of its ports, before it starts anything
            assertThat(run.output()).contains("port " + BALANCER_PORT + " is in use by an outgoing connection, "
                    + "not a listener").doesNotContain("Starting the stack");
        }
    }

    @Test
    void aWalkThroughThatDiesAfterItsStartCountsThatAsAFailure() throws Exception {
        // No replica is ready within one second: the demo stops early, after starting its processes.
        Run run = demo("1");

        assertThat(run.exitCode()).as(run.output()).isNotZero();
        assertThat(run.output()).contains("FAIL  the walk-through stopped early")
                .containsPattern("demo: \\d+ passed, [1-9]\\d* failed")
                .contains("processes the demo started are gone");
    }

    private record Run(int exitCode, String output) {
    }

    /**
     * bin/demo with a file of replicas (never a Consul agent this machine may have), bounded in time;
     * {@code readyTimeoutSeconds} is how long it waits for each process to be ready, or {@code null}.
     */
    private Run demo(String readyTimeoutSeconds) throws IOException, InterruptedException {
        Path log = dir.resolve("demo.log");
        ProcessBuilder builder = new ProcessBuilder("bash", "bin/demo", "--no-consul")
                .directory(StackFiles.file(".").toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (readyTimeoutSeconds != null) {
            builder.environment().put("DEMO_TIMEOUT", readyTimeoutSeconds);
        }
        builder.environment().remove("CONSUL_HTTP_ADDR");
        builder.environment().put("TMPDIR", dir.toString()); // the logs a failed demo keeps go with the test
        Process process = builder.start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroy(); // the demo's own TERM trap stops what it started
            process.waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("bin/demo did not end within 5 minutes:\n" + Files.readString(log));
        }
        return new Run(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
