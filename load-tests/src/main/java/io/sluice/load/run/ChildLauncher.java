package io.sluice.load.run;

import io.sluice.load.report.Json;
import io.sluice.load.report.Model.ClientResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one client in a JVM of its own, with the harness's class path: a clean JIT profile and heap per
 * client, and a way to run the virtual-thread baseline on a newer JDK than the harness's. The task goes
 * in and the result comes back as JSON files; the child's output is copied to {@code out}.
 */
public final class ChildLauncher {

    private ChildLauncher() {
    }

    public static ClientResult run(ClientTask task, String java, List<String> jvmArgs, Path workDir, PrintStream out) {
        try {
            Files.createDirectories(workDir);
            Path taskFile = workDir.resolve("task-" + task.client() + ".json");
            Path resultFile = workDir.resolve("result-" + task.client() + ".json");
            Files.deleteIfExists(resultFile);
            Json.write(taskFile, task);
            List<String> cmd = new ArrayList<>();
            cmd.add(java);
            cmd.addAll(jvmArgs);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.sluice.load.ChildMain",
                    taskFile.toString(), resultFile.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            Thread pump = pump(p.getInputStream(), out);
            long limit = (task.settings().warmupMs() + task.settings().durationMs()) * 3 / 1000 + 180;
            if (!p.waitFor(limit, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                return Runs.failed(task.client(), "JVM", "the client JVM did not finish within " + limit + " s and was stopped");
            }
            pump.join(2000);
            if (p.exitValue() != 0 || !Files.exists(resultFile)) {
                return Runs.failed(task.client(), "JVM", "the client JVM exited with code " + p.exitValue() + " (" + java + ")");
            }
            return Json.read(resultFile, ClientResult.class);
        } catch (IOException e) {
            return Runs.failed(task.client(), "JVM", "could not run the client JVM: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Runs.failed(task.client(), "JVM", "interrupted");
        }
    }

    private static Thread pump(InputStream in, PrintStream out) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[4096];
            int n;
            try {
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // the child ended
            }
        }, "load-child-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

}
