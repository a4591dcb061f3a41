package io.sluice.load;

/** The command line: {@code java -jar sluice-load.jar --help}. */
public final class Main {

    private Main() {
    }

    /** {@code --render report.json}: writes the HTML page of a JSON report again, beside it. */
    private static void render(java.nio.file.Path json) {
        String name = json.getFileName().toString().replaceFirst("\\.json$", "") + ".html";
        java.nio.file.Path html = json.toAbsolutePath().resolveSibling(name);
        io.sluice.load.report.HtmlReport.write(html, io.sluice.load.report.Json.read(json, io.sluice.load.report.Model.Report.class));
        System.out.println(html);
    }

    public static void main(String[] args) {
        if (args.length == 2 && args[0].equals("--render")) {
            render(java.nio.file.Path.of(args[1]));
            return;
        }
        Settings settings;
        try {
            settings = Cli.parse(args);
        } catch (Cli.UsageException e) {
            if (e.getMessage().isEmpty()) {
                System.out.print(Cli.help());
                System.exit(0);
            }
            System.err.println("sluice-load: " + e.getMessage() + "\nRun with --help for the options.");
            System.exit(2);
            return;
        }
        if (io.sluice.load.bench.Bench.handles(settings.scenario())) {
            try {
                boolean met = io.sluice.load.bench.Bench.run(settings, System.out);
                System.exit(settings.failOnMiss() && !met ? 3 : 0);
            } catch (Exception e) {
                System.err.println("sluice-load: the run failed: " + e);
                System.exit(1);
            }
            return;
        }
        try {
            LoadTest.Outcome outcome = new LoadTest(settings, System.out).run();
            System.exit(settings.failOnMiss() && outcome.missed() ? 3 : 0);
        } catch (RuntimeException e) {
            System.err.println("sluice-load: the run failed: " + e.getMessage());
            System.exit(1);
        }
    }
}
