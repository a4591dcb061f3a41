package io.sluice.load;

/** The command line: {@code java -jar sluice-load.jar --help}. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
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
        try {
            LoadTest.Outcome outcome = new LoadTest(settings, System.out).run();
            System.exit(settings.failOnMiss() && outcome.missed() ? 3 : 0);
        } catch (RuntimeException e) {
            System.err.println("sluice-load: the run failed: " + e.getMessage());
            System.exit(1);
        }
    }
}
