package io.canarybalancer.balancer.route;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RoutingTableTest {
    private final RoutingTable table = RoutingTable.of(List.of(
            Replicas.route("/", Replicas.policy(Strategy.REPLICAS, 0), 1, 0),
            Replicas.route("/credit", Replicas.policy(Strategy.REPLICAS, 0), 1, 0),
            Replicas.route("/credit/admin/", Replicas.policy(Strategy.REPLICAS, 0), 1, 0)));

    @ParameterizedTest
    @CsvSource({
            "/version, /",
            "/, /",
            "/credit, /credit",
            "/credit/version, /credit",
            "/credit?x=1, /credit",
            "/credits, /",
            "/credit/admin, /credit",
            "/credit/admin/, /credit/admin/",
            "/credit/admin/users, /credit/admin/",
            "http://example.com/credit/version, /credit",
            "http://example.com, /",
            "*, /",
    })
    void theLongestCoveringPrefixWins(String target, String expectedPrefix) {
        assertThat(table.find(target).pathPrefix()).isEqualTo(expectedPrefix);
    }

    /** Prefixes that share beginnings, end in {@code /} or not, and hold {@code ?}, {@code #} and {@code //}. */
    private final RoutingTable edges = table("/", "/a", "/ab", "/a/b/", "/a/bc", "/q?x", "//", "/é");

    @ParameterizedTest
    @CsvSource({
            "/a, /a",
            "/a/, /a",
            "/a?x, /a",
            "/a#f, /a",
            "/ab, /ab",
            "/abc, /",
            "/ab/c, /ab",
            "/a/b, /a",
            "/a/b/, /a/b/",
            "/a/b/c?d, /a/b/",
            "/a/bc, /a/bc",
            "/a/bcd, /a",
            "/a/bc?x, /a/bc",
            "/q?x, /q?x",
            "/q?xy, /",
            "/q?x?y, /q?x",
            "/q, /",
            "//, //",
            "//x, //",
            "/é/x, /é",
            "/A, /",
            "http://h/a/bc, /a/bc",
            "https://h:8443/ab?x, /ab",
            "http://h, /",
            "*, /",
            "'', /",
            "a/b, /",
    })
    void prefixesEndAtABoundary(String target, String expectedPrefix) {
        assertThat(edges.find(target).pathPrefix()).isEqualTo(expectedPrefix);
        assertThat(edges.find(ByteView.of(target)).pathPrefix()).isEqualTo(expectedPrefix);
    }

    @Test
    void findsWhatTheLinearRuleFindsOverGeneratedTablesAndTargets() {
        Random random = new Random(14);
        for (int set = 0; set < 500; set++) {
            Set<String> prefixes = new LinkedHashSet<>();
            if (random.nextBoolean()) {
                prefixes.add("/");
            }
            int count = 1 + random.nextInt(30);
            while (prefixes.size() < count) {
                prefixes.add("/" + randomText(random, random.nextInt(7)));
            }
            RoutingTable generated = table(prefixes.toArray(new String[0]));
            List<String> known = List.copyOf(prefixes);
            for (int t = 0; t < 200; t++) {
                String target = randomTarget(random, known);
                assertThat(prefixOf(generated.find(target))).as("%s in %s", target, known)
                        .isEqualTo(prefixOf(linear(generated, target)));
            }
        }
    }

    @Test
    void aLookupOverBytesNeitherCopiesNorAllocates() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        CharSequence target = ByteView.of("/a/bc?x=1");
        int lookups = 100_000;
        Route found = null;
        for (int i = 0; i < 1_000; i++) {
            found = edges.find(target);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < lookups; i++) {
            found = edges.find(target);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(found.pathPrefix()).isEqualTo("/a/bc");
        assertThat(allocated).as("bytes allocated by %d lookups", lookups).isLessThan(lookups);
    }

    @Test
    void withoutARootRouteUncoveredPathsFindNothing() {
        RoutingTable onlyCredit = RoutingTable.of(List.of(
                Replicas.route("/credit", Replicas.policy(Strategy.REPLICAS, 0), 1, 0)));

        assertThat(onlyCredit.find("/version")).isNull();
        assertThat(onlyCredit.find("*")).isNull();
        assertThat(onlyCredit.find("/credit/x")).isNotNull();
        assertThat(onlyCredit.find("")).isNull();
        assertThat(onlyCredit.find("http://example.com")).isNull();
        assertThat(onlyCredit.find("/credits")).isNull();
        assertThat(RoutingTable.empty().find("/")).isNull();
    }

    @Test
    void keepsConfigurationOrderForDisplay() {
        assertThat(table.routes()).extracting(Route::pathPrefix).containsExactly("/", "/credit", "/credit/admin/");
        assertThat(table.route("/credit")).isSameAs(table.routes().get(1));
    }

    @Test
    void refusesTwoRoutesWithOnePrefix() {
        assertThatThrownBy(() -> RoutingTable.of(List.of(
                Replicas.route("/a", Replicas.policy(Strategy.REPLICAS, 0), 1, 0),
                Replicas.route("/a", Replicas.policy(Strategy.HEADER, 0), 1, 0))))
                .hasMessageContaining("/a");
    }

    @Test
    void theHolderStartsEmptyAndNeverHoldsNull() {
        RoutingTableHolder holder = new RoutingTableHolder();
        assertThat(holder.get().routes()).isEmpty();

        holder.set(table);
        holder.set(null);

        assertThat(holder.get()).isSameAs(table);
    }

    private static RoutingTable table(String... prefixes) {
        List<Route> routes = new ArrayList<>();
        for (String prefix : prefixes) {
            routes.add(Replicas.route(prefix, Replicas.policy(Strategy.REPLICAS, 0), 1, 0));
        }
        return RoutingTable.of(routes);
    }

    /** Characters that make prefixes share beginnings and put boundaries everywhere. */
    private static String randomText(Random random, int length) {
        String alphabet = "aab//?#.é";
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    private static String randomTarget(Random random, List<String> prefixes) {
        String prefix = prefixes.get(random.nextInt(prefixes.size()));
        return switch (random.nextInt(8)) {
            case 0, 1, 2 -> prefix + randomText(random, random.nextInt(4));
            case 3 -> prefix.substring(0, prefix.length() - 1) + randomText(random, random.nextInt(2));
            case 4 -> "/" + randomText(random, random.nextInt(9));
            case 5 -> "http://h" + (random.nextBoolean() ? "" : ":80") + prefix + randomText(random, random.nextInt(3));
            case 6 -> randomText(random, random.nextInt(5));
            default -> List.of("*", "", "http://h", "http://h?x", "x://", "h/a").get(random.nextInt(6));
        };
    }

    private static String prefixOf(Route route) {
        return route == null ? null : route.pathPrefix();
    }

    /** The rule before the prefix tree, kept as the reference: longest prefix first, the first that covers. */
    private static Route linear(RoutingTable table, CharSequence target) {
        int pathStart = RoutingTable.pathStart(target);
        List<Route> byLength = new ArrayList<>(table.routes());
        byLength.sort(Comparator.comparingInt((Route route) -> route.pathPrefix().length()).reversed());
        for (Route route : byLength) {
            if (covers(route.pathPrefix(), target, pathStart)) {
                return route;
            }
        }
        return null;
    }

    private static boolean covers(String prefix, CharSequence target, int pathStart) {
        int length = prefix.length();
        if (length == 1) {
            return true;
        }
        if (pathStart < 0 || target.length() - pathStart < length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (target.charAt(pathStart + i) != prefix.charAt(i)) {
                return false;
            }
        }
        if (prefix.charAt(length - 1) == '/' || target.length() == pathStart + length) {
            return true;
        }
        char next = target.charAt(pathStart + length);
        return next == '/' || next == '?' || next == '#';
    }

    /**
     * A target as the proxy hands it over: a view whose characters are read from bytes (Latin-1, as
     * a head scanner reads them). Turning it into a {@code String} fails the test.
     */
    private record ByteView(byte[] bytes) implements CharSequence {

        static ByteView of(String text) {
            return new ByteView(text.getBytes(StandardCharsets.ISO_8859_1));
        }

        @Override
        public int length() {
            return bytes.length;
        }

        @Override
        public char charAt(int index) {
            return (char) (bytes[index] & 0xff);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            throw new AssertionError("the lookup took a subsequence");
        }

        @Override
        public String toString() {
            throw new AssertionError("the lookup copied the target into a String");
        }
    }
}
