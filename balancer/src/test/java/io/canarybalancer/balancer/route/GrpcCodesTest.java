package io.canarybalancer.balancer.route;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The gRPC status codes a route counts as failed answers: how they are named, and which they are by default. */
class GrpcCodesTest {

    @ParameterizedTest(name = "{0} is code {1}")
    @CsvSource({
            "CANCELLED, 1", "unknown, 2", "Deadline_Exceeded, 4", "' UNAVAILABLE ', 14", "unauthenticated, 16",
            "1, 1", "01, 1", "14, 14", "16, 16",
    })
    void aCodeIsNamedInAnyCaseOrNumbered(String name, int code) {
        GrpcCodes codes = GrpcCodes.of(List.of(name));

        for (int other = -1; other <= 17; other++) {
            assertThat(codes.contains(other)).as("code %d", other).isEqualTo(other == code);
        }
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"OK", "ok", "0", "00", "17", "99", "100", "-1", "UNAVAILABLE_", "NOT FOUND", "", "14.0"})
    void anythingElseIsRefusedWithAMessage(String name) {
        assertThatThrownBy(() -> GrpcCodes.of(List.of("INTERNAL", name)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + name + "' is not a gRPC status code other than OK (a name such as UNAVAILABLE,"
                        + " or a number from 1 to 16)");
    }

    @Test
    void theServerFailuresAreTheCodesAFiveHundredWouldHaveBeen() {
        assertThat(GrpcCodes.SERVER_FAILURES.names())
                .containsExactly("UNKNOWN", "DEADLINE_EXCEEDED", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS");
        assertThat(GrpcCodes.SERVER_FAILURES).isEqualTo(GrpcCodes.of(List.of("2", "4", "12", "13", "14", "15")));
        for (int code : new int[] {0, 1, 3, 5, 6, 7, 8, 9, 10, 11, 16}) {
            assertThat(GrpcCodes.SERVER_FAILURES.contains(code)).as("code %d", code).isFalse();
        }
    }

    @Test
    void codesOutOfRangeAreNeverContained() {
        GrpcCodes all = GrpcCodes.of(List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14",
                "15", "16"));

        assertThat(all.contains(0)).isFalse();
        assertThat(all.contains(17)).isFalse();
        assertThat(all.contains(31)).isFalse();
        assertThat(all.contains(32)).as("not code 0 again by the shift wrapping").isFalse();
        assertThat(all.contains(33)).as("not code 1 again by the shift wrapping").isFalse();
        assertThat(all.contains(-1)).isFalse();
        assertThat(all.contains(Integer.MIN_VALUE)).isFalse();
    }

    @Test
    void namesComeInCodeOrderOnceEach() {
        GrpcCodes codes = GrpcCodes.of(List.of("unauthenticated", "14", "CANCELLED", "UNAVAILABLE"));

        assertThat(codes.names()).containsExactly("CANCELLED", "UNAVAILABLE", "UNAUTHENTICATED");
        assertThat(codes).hasToString("[CANCELLED, UNAVAILABLE, UNAUTHENTICATED]");
        assertThat(GrpcCodes.of(List.of()).names()).isEmpty();
    }

    @Test
    void setsWithTheSameCodesAreEqualWhateverTheNaming() {
        assertThat(GrpcCodes.of(List.of("internal", "14"))).isEqualTo(GrpcCodes.of(List.of("UNAVAILABLE", "13")))
                .hasSameHashCodeAs(GrpcCodes.of(List.of("UNAVAILABLE", "13")))
                .isNotEqualTo(GrpcCodes.of(List.of("13")));
    }
}
