package io.canarybalancer.stack;

import io.canarybalancer.stack.Dockerfile.Stage;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Dockerfile builds the jars mvn package builds: the same Maven command as bin/demo, the jar paths
 * the modules' shade configurations produce, and images that run those jars with configurations that exist.
 */
class DockerfileTest {
    /** Image target, the module whose jar it runs. */
    private static final Map<String, String> TARGETS = Map.of(
            "balancer", "balancer",
            "message-service", "message-service",
            "credit-service", "credit-service");
    private static final Pattern MODULE_LIST = Pattern.compile("(?:^|\\s)-pl\\s+(\\S+)");

    private static Dockerfile dockerfile() {
        return Dockerfile.parse(StackFiles.text(StackFiles.file("Dockerfile")));
    }

    /** The stage that runs Maven. */
    private static Stage buildStage() {
        List<Stage> builders = dockerfile().stages().stream()
                .filter(stage -> stage.arguments("RUN").stream().anyMatch(run -> run.contains("mvn ")))
                .toList();
        assertThat(builders).as("stages that run Maven").hasSize(1);
        return builders.get(0);
    }

    private static String mavenCommand(String text) {
        int at = text.indexOf("mvn ");
        assertThat(at).as("a Maven command in: " + text).isNotNegative();
        String command = text.substring(at).split("\n")[0];
        return command.replaceAll("[;&|].*$", "").strip();
    }

    private static List<String> modules(String mavenCommand) {
        Matcher matcher = MODULE_LIST.matcher(mavenCommand);
        assertThat(matcher.find()).as("-pl in " + mavenCommand).isTrue();
        return Arrays.asList(matcher.group(1).split(","));
    }

    private static List<String> words(String mavenCommand) {
        return Arrays.asList(mavenCommand.split("\\s+"));
    }

    /** The runnable jar a module's shade plugin writes, relative to the module: target/NAME.jar. */
    static String shadedJar(String module) throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(StackFiles.file(module + "/pom.xml").toFile());
        NodeList plugins = pom.getElementsByTagName("plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element plugin = (Element) plugins.item(i);
            if (!child(plugin, "artifactId").map(Node::getTextContent).orElse("").equals("maven-shade-plugin")) {
                continue;
            }
            NodeList outputFile = plugin.getElementsByTagName("outputFile");
            if (outputFile.getLength() > 0) {
                return outputFile.item(0).getTextContent().strip().replace("${project.build.directory}", "target");
            }
            NodeList finalName = plugin.getElementsByTagName("finalName");
            if (finalName.getLength() > 0) {
                return "target/" + finalName.item(0).getTextContent().strip() + ".jar";
            }
        }
        throw new AssertionError(module + "/pom.xml has no shade plugin naming its jar");
    }

    private static Optional<Element> child(Element parent, String name) {
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(name)) {
                return Optional.of(element);
            }
        }
        return Optional.empty();
    }

    /** The modules of the root pom. */
    private static List<String> reactorModules() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(StackFiles.file("pom.xml").toFile());
        NodeList modules = pom.getElementsByTagName("module");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < modules.getLength(); i++) {
            names.add(modules.item(i).getTextContent().strip());
        }
        return names;
    }

    /** COPY --from=build SOURCE DEST lines of a stage, source to destination. */
    private static Map<String, String> copiesFromBuild(Stage stage, String buildStage) {
        Map<String, String> copies = new LinkedHashMap<>();
        for (String copy : stage.arguments("COPY")) {
            List<String> parts = Arrays.asList(copy.split("\\s+"));
            if (parts.get(0).equals("--from=" + buildStage)) {
                copies.put(parts.get(1), parts.get(2));
            }
        }
        return copies;
    }

    private static List<String> execForm(String arguments) {
        String inner = arguments.strip();
        assertThat(inner).as("exec form").startsWith("[").endsWith("]");
        List<String> items = new ArrayList<>();
        Matcher matcher = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(inner);
        while (matcher.find()) {
            items.add(matcher.group(1));
        }
        return items;
    }

    @Test
    void buildStageRunsTheSameMavenCommandAsTheLocalRun() {
        String docker = mavenCommand(String.join("\n", buildStage().arguments("RUN")));
        String demo = mavenCommand(StackFiles.text(StackFiles.file("bin/demo")).lines()
                .filter(line -> line.strip().startsWith("mvn ")).findFirst().orElseThrow());
        assertThat(words(docker)).contains("package", "-am", "-DskipTests");
        assertThat(modules(docker)).containsExactlyInAnyOrderElementsOf(modules(demo));
        assertThat(words(docker)).containsExactlyInAnyOrderElementsOf(words(demo));
    }

    @Test
    void buildStageHasTheWholeReactor() throws Exception {
        Stage build = buildStage();
        assertThat(build.arguments("COPY")).contains(". .");
        String workdir = build.last("WORKDIR").orElseThrow();
        assertThat(workdir).startsWith("/");
        for (String module : reactorModules()) {
            assertThat(StackFiles.file(module + "/pom.xml")).as("module " + module).isRegularFile();
        }
        assertThat(reactorModules()).containsAll(modules(mavenCommand(String.join("\n", build.arguments("RUN")))));
    }

    @Test
    void dockerignoreKeepsBuildOutputOutAndSourcesIn() throws Exception {
        List<PathMatcher> ignored = StackFiles.text(StackFiles.file(".dockerignore")).lines()
                .map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#") && !line.startsWith("!"))
                .map(line -> line.endsWith("/") ? line.substring(0, line.length() - 1) : line)
                .map(pattern -> FileSystems.getDefault().getPathMatcher("glob:" + pattern))
                .toList();
        for (String module : reactorModules()) {
            assertThat(excluded(ignored, module + "/target/x.jar")).as(module + "/target").isTrue();
            assertThat(excluded(ignored, module + "/pom.xml")).as(module + "/pom.xml").isFalse();
            assertThat(excluded(ignored, module + "/src/main/java/A.java")).as(module + "/src").isFalse();
        }
        assertThat(excluded(ignored, "pom.xml")).isFalse();
        assertThat(excluded(ignored, "config/balancer.yml")).isFalse();
        assertThat(excluded(ignored, "config/message-service.yml")).isFalse();
    }

    /** Docker leaves out a path when a pattern matches it or one of its parent folders. */
    private static boolean excluded(List<PathMatcher> patterns, String path) {
        for (Path p = Path.of(path); p != null; p = p.getParent()) {
            for (PathMatcher pattern : patterns) {
                if (pattern.matches(p)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void eachImageCopiesTheJarItsModulesBuildMakes() throws Exception {
        Stage build = buildStage();
        String workdir = build.last("WORKDIR").orElseThrow();
        List<String> built = modules(mavenCommand(String.join("\n", build.arguments("RUN"))));
        for (Map.Entry<String, String> target : TARGETS.entrySet()) {
            String module = target.getValue();
            Map<String, String> copies = copiesFromBuild(dockerfile().stage(target.getKey()), build.name());
            String expected = workdir + "/" + module + "/" + shadedJar(module);
            assertThat(copies).as("image " + target.getKey()).containsKey(expected);
            assertThat(built).as("modules the build stage packages").contains(module);
        }
    }

    @Test
    void eachImageRunsTheJarItCopiedWithAConfigurationFromTheRepository() throws Exception {
        String buildName = buildStage().name();
        for (Map.Entry<String, String> target : TARGETS.entrySet()) {
            Stage stage = dockerfile().stage(target.getKey());
            Map<String, String> copies = copiesFromBuild(stage, buildName);
            List<String> entrypoint = execForm(stage.last("ENTRYPOINT").orElseThrow());
            assertThat(entrypoint).as(target.getKey()).startsWith("java").contains("-jar");
            String jar = entrypoint.get(entrypoint.indexOf("-jar") + 1);
            assertThat(copies.values()).as(target.getKey() + " runs a jar it copied").contains(jar);
            assertThat(jar).endsWith("/" + Path.of(shadedJar(target.getValue())).getFileName());

            List<String> command = execForm(stage.last("CMD").orElseThrow());
            String config = command.get(command.size() - 1);
            boolean copiedFromRepository = stage.arguments("COPY").stream()
                    .map(copy -> copy.split("\\s+"))
                    .filter(parts -> !parts[0].startsWith("--"))
                    .anyMatch(parts -> parts[1].equals(config)
                            && StackFiles.file(parts[0]).toFile().isFile());
            assertThat(copiedFromRepository).as(target.getKey() + " copies " + config + " from a file that exists").isTrue();
        }
    }

    @Test
    void servicesExposeThePortsTheirConfigurationsListenOn() {
        for (String module : List.of("message-service", "credit-service")) {
            List<String> exposed = Arrays.asList(String.join(" ", dockerfile().stage(module).arguments("EXPOSE")).split("\\s+"));
            assertThat(exposed).as(module).contains(
                    String.valueOf(StackFiles.applicationPort(module)), String.valueOf(StackFiles.adminPort(module)));
        }
        List<String> exposed = Arrays.asList(String.join(" ", dockerfile().stage("balancer").arguments("EXPOSE")).split("\\s+"));
        assertThat(exposed).contains("48151", "48152");
    }

    @Test
    void buildAndRuntimeUseTheJavaReleaseThePomCompilesFor() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(StackFiles.file("pom.xml").toFile());
        String release = pom.getElementsByTagName("maven.compiler.release").item(0).getTextContent().strip();
        for (Stage stage : dockerfile().stages()) {
            if (dockerfile().stages().stream().noneMatch(s -> stage.base().equals(s.name()))) {
                assertThat(stage.base()).as("base image of stage " + stage.name()).containsPattern("[:-]" + release + "([-.]|$)");
            }
        }
    }

    @Test
    void theLocalRunRunsTheSameJars() throws Exception {
        String demo = StackFiles.text(StackFiles.file("bin/demo"));
        for (String module : TARGETS.values()) {
            assertThat(demo).contains(module + "/" + shadedJar(module));
        }
    }
}
