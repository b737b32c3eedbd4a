package io.canarybalancer.balancer.route;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

/** The path routing decides on: unreserved escapes decoded, dot segments removed, nothing else. */
class PathNormaliserTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "/credit/../messages          | /messages",
            "/%63redit                    | /credit",
            "/%63REDIT/%7e%5F%2d%2E       | /cREDIT/~_-.",
            "/%41%42/x                    | /AB/x",
            "/a/%2e%2e/b                  | /b",
            "/a/%2E/b                     | /a/b",
            "/a/./b/.                     | /a/b/",
            "/a/b/..                      | /a/",
            "/a/..                        | /",
            "/.                           | /",
            "/./a                         | /a",
            "/a/./                        | /a/",
            "//a/../b                     | //b",
            "/a//..                       | /a/",
            "/a/b/../c?x=/../y&z=%63      | /a/c?x=/../y&z=%63",
            "/a%2Fb/../c                  | /c",
            "/credit%2F..%2Fmessages/../x | /x",
    })
    void normalises(String target, String expected) {
        assertThat(PathNormaliser.normalise(target)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/", "/credit/version", "/a%2Fb", "/a%2f..%2fb", "/a%20b?q=%63", "/..a/b../.x/x.",
            "/a//b/", "/?x=/../y", "/a%2", "/a%zz", "*", "/%C3%A9"})
    void leavesANormalPathAloneWithoutCopyingIt(String target) {
        assertThat(PathNormaliser.normalise(target)).isSameAs(target);
    }

    @Test
    void aNormalPathCostsNoAllocation() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        String target = "/credit/messages/42/status?limit=10&from=%2Fx";
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            PathNormaliser.normalise(target);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        // A copy per call would be megabytes; the allowance is for the measuring call itself.
        assertThat(allocated).as("bytes allocated by 100,000 calls").isLessThan(1_024);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/..", "/../a", "/a/../..", "/a/../../b", "/%2e%2e/x", "/%2E./x", "/a/./../../b", "/./..?x"})
    void refusesAPathThatClimbsAboveTheRoot(String target) {
        assertThat(PathNormaliser.normalise(target)).isNull();
    }
}
