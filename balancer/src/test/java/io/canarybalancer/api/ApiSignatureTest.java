package io.canarybalancer.api;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The public API does not change by accident: every public type, constructor, method and field of
 * {@code io.canarybalancer.api} is listed in {@code api-signatures.txt}, and a change to any of them
 * fails here until the list is changed with it, on purpose. Nor does the API lean on the libraries
 * inside: no Netty, consul-client or other internal type appears in a signature.
 */
class ApiSignatureTest {
    private static final String PACKAGE = "io.canarybalancer.api";
    private static final List<String> FOREIGN = List.of("io.netty.", "org.kiwiproject.", "com.orbitz.", "okhttp3.",
            "io.prometheus.", "com.fasterxml.", "org.slf4j.", "io.canarybalancer.balancer.");

    @Test
    void thePublicSignaturesAreTheListedOnes() throws Exception {
        List<String> expected;
        try (InputStream in = ApiSignatureTest.class.getResourceAsStream("api-signatures.txt")) {
            assertThat(in).as("api-signatures.txt beside this test").isNotNull();
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(line -> !line.isBlank() && !line.startsWith("#")).toList();
        }
        assertThat(signatures())
                .as("the public API changed; if on purpose, put these lines in api-signatures.txt")
                .containsExactlyElementsOf(expected);
    }

    @Test
    void noSignatureNamesATypeFromInsideTheLibrary() throws Exception {
        assertThat(signatures()).allSatisfy(signature -> assertThat(FOREIGN)
                .noneMatch(prefix -> signature.replace(PACKAGE + ".", "").contains(prefix)));
    }

    /** One line per public member of every public type of the package, sorted. */
    static List<String> signatures() throws IOException, URISyntaxException, ClassNotFoundException {
        List<String> lines = new ArrayList<>();
        for (Class<?> type : publicTypes()) {
            lines.add(typeLine(type));
            for (Constructor<?> constructor : type.getDeclaredConstructors()) {
                if (visible(constructor.getModifiers())) {
                    lines.add(type.getName() + " " + constructor.toGenericString());
                }
            }
            for (Method method : type.getDeclaredMethods()) {
                if (visible(method.getModifiers()) && !method.isSynthetic()) {
                    // How a method is locked is its own business, not its callers'.
                    lines.add(type.getName() + " " + method.toGenericString().replace("synchronized ", ""));
                }
            }
            for (Field field : type.getDeclaredFields()) {
                if (visible(field.getModifiers())) {
                    lines.add(type.getName() + " " + field.toGenericString());
                }
            }
        }
        return lines.stream().sorted().toList();
    }

    /** Public, or protected: what code outside the package can reach (a subclass, for protected). */
    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static String typeLine(Class<?> type) {
        StringBuilder line = new StringBuilder(type.getName()).append(": ").append(Modifier.toString(type.getModifiers()))
                .append(type.isSealed() ? " sealed" : "")
                .append(type.isInterface() ? " interface" : type.isRecord() ? " record" : " class");
        if (type.getGenericSuperclass() != null && type.getSuperclass() != Object.class
                && type.getSuperclass() != Record.class) {
            line.append(" extends ").append(type.getGenericSuperclass().getTypeName());
        }
        Arrays.stream(type.getGenericInterfaces()).map(java.lang.reflect.Type::getTypeName).sorted()
                .forEach(name -> line.append(" implements ").append(name));
        return line.toString();
    }

    /** The package's public types, nested ones included, read from the library's classes (a folder or its jar). */
    private static List<Class<?>> publicTypes() throws IOException, URISyntaxException, ClassNotFoundException {
        Path library = Path.of(CanaryBalancer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isDirectory(library)) {
            return publicTypes(library.resolve(PACKAGE.replace('.', '/')));
        }
        try (FileSystem jar = FileSystems.newFileSystem(library)) {
            return publicTypes(jar.getPath(PACKAGE.replace('.', '/')));
        }
    }

    private static List<Class<?>> publicTypes(Path folder) throws IOException, ClassNotFoundException {
        List<Class<?>> types = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
                String name = file.getFileName().toString().replace(".class", "");
                if (name.equals("package-info")) {
                    continue;
                }
                Class<?> type = Class.forName(PACKAGE + "." + name);
                if (Modifier.isPublic(type.getModifiers()) && isReachable(type)) {
                    types.add(type);
                }
            }
        }
        return types;
    }

    /** A nested type is part of the API only when every type enclosing it is public too. */
    private static boolean isReachable(Class<?> type) {
        for (Class<?> outer = type.getEnclosingClass(); outer != null; outer = outer.getEnclosingClass()) {
            if (!Modifier.isPublic(outer.getModifiers())) {
                return false;
            }
        }
        return !type.isAnonymousClass() && !type.isLocalClass();
    }
}
