package io.sluice.load;

import io.sluice.load.report.Json;
import io.sluice.load.run.ClientRun;
import io.sluice.load.run.ClientTask;
import java.nio.file.Path;

/** Entry point of a client JVM: {@code ChildMain <task.json> <result.json>}. */
public final class ChildMain {

    private ChildMain() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: ChildMain <task.json> <result.json> (started by the harness, not by hand)");
            System.exit(2);
        }
        ClientTask task = Json.read(Path.of(args[0]), ClientTask.class);
        Json.write(Path.of(args[1]), new ClientRun(task, System.out).run());
        System.out.flush();
        System.exit(0);
    }
}
