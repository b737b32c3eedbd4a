package io.canarybalancer.balancer;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The library's packages depend on each other one way: no two packages of balancer-core reach each
 * other, directly or round a loop. Read from the compiled classes by the JDK's {@code jdeps}, so a
 * fully qualified name or a nested type counts as much as an import.
 */
class PackageDependenciesTest {
    private static final Pattern EDGE =
            Pattern.compile("^\\s+(io\\.canarybalancer\\.\\S+)\\s+->\\s+(io\\.canarybalancer\\.\\S+)");

    @Test
    void noPackageOfTheLibraryDependsOnItselfRoundALoop() throws Exception {
        Map<String, Set<String>> dependencies = dependencies();
        assertThat(dependencies).as("packages read from the library's classes").containsKeys(
                "io.canarybalancer.api", "io.canarybalancer.balancer.config", "io.canarybalancer.balancer.proxy");
        assertThat(cycles(dependencies)).as("groups of packages that depend on each other").isEmpty();
    }

    @Test
    void theWholeConfigurationIsReadAboveThePartsItConfigures() throws Exception {
        // Discovery, rollout, analysis and admin read the route specs, never the loader or the whole file.
        Map<String, Set<String>> dependencies = dependencies();
        dependencies.forEach((from, to) -> {
            if (!from.equals("io.canarybalancer.balancer") && !from.equals("io.canarybalancer.api")) {
                assertThat(to).as(from).doesNotContain("io.canarybalancer.balancer.config");
            }
        });
    }

    /** Package to the packages of the library it uses, from {@code jdeps -verbose:package}. */
    private static Map<String, Set<String>> dependencies() throws Exception {
        Path classes = Path.of(Balancer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ToolProvider jdeps = ToolProvider.findFirst("jdeps")
                .orElseThrow(() -> new IllegalStateException("jdeps is not in this JDK"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:package",
                "-e", "io\\.canarybalancer\\..*", classes.toString());
        assertThat(exit).as("jdeps on %s: %s", classes, err).isZero();
        Map<String, Set<String>> dependencies = new TreeMap<>();
        for (String line : out.toString().lines().toList()) {
            Matcher edge = EDGE.matcher(line);
            if (edge.find() && !edge.group(1).equals(edge.group(2))) {
                dependencies.computeIfAbsent(edge.group(1), k -> new TreeSet<>()).add(edge.group(2));
            }
        }
        return dependencies;
    }

    /** The strongly connected groups of more than one package (Tarjan), each sorted. */
    static List<Set<String>> cycles(Map<String, Set<String>> graph) {
        return new Object() {
            final Map<String, Integer> index = new HashMap<>();
            final Map<String, Integer> low = new HashMap<>();
            final Deque<String> stack = new ArrayDeque<>();
            final List<Set<String>> found = new ArrayList<>();

            List<Set<String>> run() {
                for (String node : graph.keySet()) {
                    if (!index.containsKey(node)) {
                        visit(node);
                    }
                }
                return found;
            }

            void visit(String node) {
                index.put(node, index.size());
                low.put(node, index.get(node));
                stack.push(node);
                for (String next : graph.getOrDefault(node, Set.of())) {
                    if (!index.containsKey(next)) {
                        visit(next);
                        low.put(node, Math.min(low.get(node), low.get(next)));
                    } else if (stack.contains(next)) {
                        low.put(node, Math.min(low.get(node), index.get(next)));
                    }
                }
                if (low.get(node).equals(index.get(node))) {
                    Set<String> group = new TreeSet<>();
                    String member;
                    do {
                        member = stack.pop();
                        group.add(member);
                    } while (!member.equals(node));
                    if (group.size() > 1) {
                        found.add(group);
                    }
                }
            }
        }.run();
    }

    @Test
    void aLoopOfThreeIsFoundAndAChainIsNot() {
        assertThat(cycles(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a"))))
                .containsExactly(Set.of("a", "b", "c"));
        assertThat(cycles(Map.of("a", Set.of("b"), "b", Set.of("c")))).isEmpty();
    }
}
