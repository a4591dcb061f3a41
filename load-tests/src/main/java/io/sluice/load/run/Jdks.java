package io.sluice.load.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds a JDK with virtual threads (21+) for the virtual-thread baseline when the harness runs on an
 * older one: {@code --jdk21}, then {@code SLUICE_JDK21}, then {@code JAVA_HOME}, then the JDKs under
 * {@code /usr/lib/jvm}, newest first.
 */
public final class Jdks {

    private static final Pattern VERSION = Pattern.compile("JAVA_VERSION=\"(\\d+)");

    private Jdks() {
    }

    /** The {@code java} launcher of this JVM. */
    public static String currentJava() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The {@code java} launcher of a JDK 21+ home, if one is found. */
    public static Optional<String> find21(String explicit) {
        List<Path> candidates = new ArrayList<>();
        if (explicit != null && !explicit.isBlank()) {
            candidates.add(Path.of(explicit));
        }
        String env = System.getenv("SLUICE_JDK21");
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env));
        }
        String javaHome = System.getenv("JAVA_HOME");
        if (javaHome != null && !javaHome.isBlank()) {
            candidates.add(Path.of(javaHome));
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> s = Files.list(jvms)) {
                s.filter(Files::isDirectory)
                        .sorted((a, b) -> Integer.compare(feature(b), feature(a)))
                        .forEach(candidates::add);
            } catch (IOException ignored) {
                // nothing found there
            }
        }
        for (Path home : candidates) {
            if (feature(home) >= 21 && Files.isExecutable(home.resolve("bin/java"))) {
                return Optional.of(home.resolve("bin/java").toString());
            }
        }
        return Optional.empty();
    }

    /** The feature version from a JDK home's {@code release} file; 0 when unknown. */
    static int feature(Path home) {
        try {
            Matcher m = VERSION.matcher(Files.readString(home.resolve("release")));
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
