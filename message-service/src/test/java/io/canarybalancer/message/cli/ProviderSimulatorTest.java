package io.canarybalancer.message.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProviderSimulatorTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<ProviderSimulator> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(ProviderSimulator::close);
    }

    private ProviderSimulator start(double errorRate, double stallRate, long seed) throws Exception {
        ProviderSimulator simulator = ProviderSimulator.start(
                new ProviderSimulator.Settings("127.0.0.1", 0, errorRate, stallRate, Duration.ofMillis(50), seed, 4));
        started.add(simulator);
        return simulator;
    }

    private HttpResponse<String> post(ProviderSimulator simulator, String id, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(simulator.url().resolve("/message"))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (id != null) {
            request.header(ProviderSimulator.MESSAGE_ID_HEADER, id);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static final String VALID = "{\"destination\":\"+34600000000\",\"body\":\"hi\"}";

    @Test
    void theSameSeedGivesTheSameAnswers() throws Exception {
        ProviderSimulator first = start(0.3, 0.3, 42);
        ProviderSimulator second = start(0.3, 0.3, 42);
        List<Integer> firstStatuses = new ArrayList<>();
        List<Integer> secondStatuses = new ArrayList<>();

        for (int i = 0; i < 30; i++) {
            firstStatuses.add(post(first, "m" + i, VALID).statusCode());
            secondStatuses.add(post(second, "m" + i, VALID).statusCode());
        }

        assertThat(firstStatuses).isEqualTo(secondStatuses).contains(200, 500);
        assertThat(first.answers()).isEqualTo(second.answers());
        assertThat(first.answers().values().stream().flatMap(List::stream))
                .contains(ProviderSimulator.Answer.LATE, ProviderSimulator.Answer.ERROR, ProviderSimulator.Answer.OK);
    }

    @Test
    void ratesOfZeroAndOneAreExact() throws Exception {
        ProviderSimulator alwaysOk = start(0, 0, 1);
        ProviderSimulator alwaysError = start(1, 0, 1);

        for (int i = 0; i < 10; i++) {
            assertThat(post(alwaysOk, "m" + i, VALID).statusCode()).isEqualTo(200);
            assertThat(post(alwaysError, "m" + i, VALID).statusCode()).isEqualTo(500);
        }
    }

    @Test
    void aLateAnswerComesAfterTheStall() throws Exception {
        ProviderSimulator late = start(0, 1, 1);

        long started = System.nanoTime();
        HttpResponse<String> response = post(late, "m", VALID);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(50));
        assertThat(late.answers().get("m")).containsExactly(ProviderSimulator.Answer.LATE);
    }

    @Test
    void recordsRepeatsAndReportsThem() throws Exception {
        ProviderSimulator simulator = start(0, 0, 1);
        post(simulator, "once", VALID);
        post(simulator, "twice", VALID);
        post(simulator, "twice", VALID);

        HttpResponse<String> tally = http.send(HttpRequest.newBuilder(simulator.url().resolve("/deliveries")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(simulator.duplicates()).containsExactly("twice");
        assertThat(simulator.received()).isEqualTo(3);
        JsonNode json = new ObjectMapper().readTree(tally.body());
        assertThat(json.get("received").asInt()).isEqualTo(3);
        assertThat(json.get("distinct").asInt()).isEqualTo(2);
        assertThat(json.get("duplicates").get(0).asText()).isEqualTo("twice");
    }

    @Test
    void malformedMessagesAre400AndNotRecorded() throws Exception {
        ProviderSimulator simulator = start(0, 0, 1);

        assertThat(post(simulator, "a", "{\"destination\":\"x\"}").statusCode()).isEqualTo(400);
        assertThat(post(simulator, "b", "not json").statusCode()).isEqualTo(400);
        assertThat(simulator.received()).isZero();
    }

    @Test
    void ratesMustMakeSense() {
        assertThatThrownBy(() -> new ProviderSimulator.Settings("127.0.0.1", 0, 0.7, 0.7, Duration.ZERO, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ProviderSimulator.Settings("127.0.0.1", 0, -0.1, 0, Duration.ZERO, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
