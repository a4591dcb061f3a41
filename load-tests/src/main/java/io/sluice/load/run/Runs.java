package io.sluice.load.run;

import io.sluice.load.client.Clients;
import io.sluice.load.report.Model.ClientResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Small helpers shared by the ways a client is run. */
public final class Runs {

    private Runs() {
    }

    /** The result of a client that could not run. */
    public static ClientResult failed(String client, String process, String why) {
        return ClientResult.failed(client, Clients.role(client), Clients.describe(client), process, why);
    }

    /** Deletes a temporary directory and what it holds, ignoring failures. */
    public static void deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // temporary files only; the OS cleans them eventually
        }
    }
}
