package io.canarybalancer.balancer.route;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class CookiesTest {

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        "canary_id=abc                       | abc",
        "a=1; canary_id=abc; b=2             | abc",
        "a=1;canary_id=abc                   | abc",
        "  canary_id = abc  ; b=2            | abc",
        "canary_id=\"abc\"                     | abc",
        "canary_id=                          | ''",
        "xcanary_id=abc; canary_idx=def      | NULL",
        "Canary_Id=abc                       | NULL",
        "a=1; b=2                            | NULL",
        "canary_id=first; canary_id=second   | first",
        "canary_id                           | NULL",
        "canary_id=a=b                       | a=b",
    })
    void findsTheNamedCookie(String header, String expected) {
        CharSequence value = Cookies.value(header, "canary_id");
        assertThat(value == null ? null : value.toString()).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(nullValues = "NULL", value = {"NULL", "''"})
    void noHeaderMeansNoCookie(String header) {
        assertThat(Cookies.value(header, "canary_id")).isNull();
    }
}
