package io.canarybalancer.balancer.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Parses Prometheus text format with Prometheus's own Python client parser (Debian package
 * {@code python3-prometheus-client}), so the exposition is checked by an independent
 * implementation rather than by our own reading of the format. A parse error fails the test.
 */
public final class PrometheusText {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final String SCRIPT = String.join("\n",
            "import json, sys",
            "from prometheus_client.parser import text_string_to_metric_families",
            "out = {}",
            "for family in text_string_to_metric_families(sys.stdin.read()):",
            "    out[family.name] = {'type': family.type, 'samples': [",
            "        {'name': s.name, 'labels': s.labels, 'value': s.value} for s in family.samples]}",
            "print(json.dumps(out))");

    public record Sample(String name, Map<String, String> labels, double value) {
    }

    public record Family(String type, List<Sample> samples) {
        /** The value of the sample with that name and exactly those labels. */
        public double value(String sample, Map<String, String> labels) {
            return samples.stream()
                    .filter(s -> s.name().equals(sample) && s.labels().equals(labels))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no sample " + sample + labels + " in " + samples))
                    .value();
        }
    }

    private PrometheusText() {
    }

    public static Map<String, Family> parse(String text) throws IOException, InterruptedException {
        boolean available = Files.isExecutable(PYTHON) && new ProcessBuilder(PYTHON.toString(), "-c",
                "import prometheus_client.parser").start().waitFor() == 0;
        if (!available) {
            if ("1".equals(System.getenv("REQUIRE_TEST_TOOLS"))) {
                throw new AssertionError("python3-prometheus-client is not installed (apt-get install python3-prometheus-client)");
            }
            Assumptions.abort("needs Debian's python3-prometheus-client to parse the exposition");
        }
        Process process = new ProcessBuilder(PYTHON.toString(), "-c", SCRIPT).start();
        process.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new AssertionError("the Prometheus parser rejected the exposition: " + errors);
        }
        Map<String, Family> families = new LinkedHashMap<>();
        JsonNode root = new ObjectMapper().readTree(output);
        root.fields().forEachRemaining(entry -> {
            List<Sample> samples = new java.util.ArrayList<>();
            for (JsonNode sample : entry.getValue().get("samples")) {
                Map<String, String> labels = new HashMap<>();
                sample.get("labels").fields().forEachRemaining(label -> labels.put(label.getKey(), label.getValue().asText()));
                samples.add(new Sample(sample.get("name").asText(), labels, sample.get("value").asDouble()));
            }
            families.put(entry.getKey(), new Family(entry.getValue().get("type").asText(), samples));
        });
        return families;
    }
}
