package io.canarybalancer.balancer.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A minimal W3C WebDriver client over the JDK's HTTP client, driving a chromedriver process that it
 * starts itself on a free port. One browser session per client. {@link #close()} deletes the session
 * and stops the chromedriver process it started (and that process's children), always.
 */
public final class WebDriverClient implements AutoCloseable {
    /** The W3C key under which a command answers an element reference. */
    private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process driver;
    private final String base;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private String session;

    private WebDriverClient(Process driver, String base) {
        this.driver = driver;
        this.base = base;
    }

    /**
     * Starts {@code chromedriver} on a free loopback port (its output goes to {@code driverLog}) and opens
     * a headless session of the Chromium at {@code browser} using {@code profileDir} as its profile.
     */
    public static WebDriverClient start(Path chromedriver, Path browser, Path profileDir, Path driverLog)
            throws IOException, InterruptedException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Files.createDirectories(driverLog.getParent());
        Process process = new ProcessBuilder(chromedriver.toString(), "--port=" + port)
                .redirectErrorStream(true)
                .redirectOutput(driverLog.toFile())
                .start();
        WebDriverClient client = new WebDriverClient(process, "http://127.0.0.1:" + port);
        try {
            client.awaitReady(Duration.ofSeconds(20));
            client.newSession(browser, profileDir);
        } catch (IOException | InterruptedException | RuntimeException e) {
            client.close();
            throw e;
        }
        return client;
    }

    private void awaitReady(Duration timeout) {
        await("chromedriver ready").atMost(timeout).ignoreExceptionsMatching(e -> !(e instanceof DriverExited))
                .until(() -> {
                    if (!driver.isAlive()) {
                        throw new DriverExited("chromedriver exited with code " + driver.exitValue());
                    }
                    return call("GET", "/status", null).path("ready").asBoolean(false);
                });
    }

    /** Ends the wait for readiness at once: a driver that exited will not become ready. */
    private static final class DriverExited extends IllegalStateException {
        DriverExited(String message) {
            super(message);
        }
    }

    private void newSession(Path browser, Path profileDir) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode always = body.putObject("capabilities").putObject("alwaysMatch");
        always.put("browserName", "chrome");
        ObjectNode options = always.putObject("goog:chromeOptions");
        options.put("binary", browser.toString());
        ArrayNode args = options.putArray("args");
        for (String arg : List.of("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profileDir, "--window-size=1400,1000")) {
            args.add(arg);
        }
        always.putObject("goog:loggingPrefs").put("browser", "ALL");
        session = call("POST", "/session", body).path("sessionId").asText(null);
        if (session == null) {
            throw new IllegalStateException("chromedriver gave no session id");
        }
    }

    public void navigate(String url) throws IOException, InterruptedException {
        command("POST", "/url", JSON.createObjectNode().put("url", url));
    }

    /** The first element matching the CSS selector, or {@code null} when there is none. */
    public String find(String css) throws IOException, InterruptedException {
        JsonNode found = command("POST", "/elements",
                JSON.createObjectNode().put("using", "css selector").put("value", css));
        return found.isArray() && !found.isEmpty() ? found.get(0).path(ELEMENT).asText() : null;
    }

    /** The first element matching the CSS selector; fails when there is none. */
    public String element(String css) throws IOException, InterruptedException {
        String element = find(css);
        if (element == null) {
            throw new IllegalStateException("no element matches " + css);
        }
        return element;
    }

    public void click(String element) throws IOException, InterruptedException {
        command("POST", "/element/" + element + "/click", JSON.createObjectNode());
    }

    public void clear(String element) throws IOException, InterruptedException {
        command("POST", "/element/" + element + "/clear", JSON.createObjectNode());
    }

    public void sendKeys(String element, String text) throws IOException, InterruptedException {
        command("POST", "/element/" + element + "/value", JSON.createObjectNode().put("text", text));
    }

    /** The rendered (visible) text of an element. */
    public String text(String element) throws IOException, InterruptedException {
        return command("GET", "/element/" + element + "/text", null).asText();
    }

    public boolean displayed(String element) throws IOException, InterruptedException {
        return command("GET", "/element/" + element + "/displayed", null).asBoolean();
    }

    /** Runs {@code script} as a function body in the page; {@code arguments} are available to it. */
    public JsonNode execute(String script, Object... arguments) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode().put("script", script);
        body.set("args", JSON.valueToTree(arguments));
        return command("POST", "/execute/sync", body);
    }

    /** Resizes the browser window (the viewport follows). */
    public void windowSize(int width, int height) throws IOException, InterruptedException {
        command("POST", "/window/rect", JSON.createObjectNode().put("width", width).put("height", height));
    }

    /** Saves a PNG screenshot of the viewport to {@code file}. */
    public Path screenshot(Path file) throws IOException, InterruptedException {
        byte[] png = Base64.getDecoder().decode(command("GET", "/screenshot", null).asText());
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, png);
        return file;
    }

    /** The browser log entries since the last call (chromedriver's legacy log endpoint). */
    public List<LogEntry> browserLog() throws IOException, InterruptedException {
        JsonNode entries = command("POST", "/se/log", JSON.createObjectNode().put("type", "browser"));
        List<LogEntry> log = new ArrayList<>();
        for (JsonNode entry : entries) {
            log.add(new LogEntry(entry.path("level").asText(), entry.path("source").asText(""),
                    entry.path("message").asText()));
        }
        return log;
    }

    public record LogEntry(String level, String source, String message) {
        @Override
        public String toString() {
            return level + " [" + source + "] " + message;
        }
    }

    private JsonNode command(String method, String path, JsonNode body) throws IOException, InterruptedException {
        if (session == null) {
            throw new IllegalStateException("no session");
        }
        return call(method, "/session/" + session + path, body);
    }

    private JsonNode call(String method, String path, JsonNode body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json; charset=utf-8");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode answer = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        JsonNode value = answer.path("value");
        if (response.statusCode() != 200) {
            throw new WebDriverException(method + " " + path + " answered " + response.statusCode() + ": "
                    + value.path("error").asText() + ": " + value.path("message").asText());
        }
        return value;
    }

    public static final class WebDriverException extends IllegalStateException {
        WebDriverException(String message) {
            super(message);
        }
    }

    /** Deletes the session (closing the browser), then stops the chromedriver process started here. */
    @Override
    public void close() {
        try {
            if (session != null && driver.isAlive()) {
                call("DELETE", "/session/" + session, null);
            }
        } catch (IOException | RuntimeException e) {
            // the driver is stopped below regardless
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            session = null;
            stopDriver();
        }
    }

    private void stopDriver() {
        List<ProcessHandle> children = driver.descendants().toList();
        driver.destroy();
        try {
            if (!driver.waitFor(5, TimeUnit.SECONDS)) {
                driver.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            driver.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        // a browser left behind by a session that could not be deleted
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }
}
