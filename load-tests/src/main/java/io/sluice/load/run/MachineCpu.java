package io.sluice.load.run;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How the machine's CPU was shared during a stretch of a run, read from {@code /proc} (Linux; elsewhere
 * nothing is reported). The harness, the client and PostgreSQL share this machine's cores; any other
 * process using CPU meanwhile (another build, another test suite) disturbs the figures, and this says by
 * how much.
 *
 * <p>"Server" is every {@code postgres} and {@code pgbench} process, including backends that exited
 * meanwhile (their time is added to the postmaster's children's time when it reaps them). "Self" is this
 * JVM with the children it reaped. "Others" is the rest of the machine's busy time, less the time the
 * kernel spent in interrupts (mostly the run's own loopback network traffic, which no process is charged
 * for: about a tenth of the CPU under pgbench). "Steal" is time the hypervisor gave this virtual machine's
 * CPUs to other machines: CPU the run wanted and did not get.
 */
public final class MachineCpu {

    private static final Path STAT = Path.of("/proc/stat");

    /** Cumulative CPU time in clock ticks. */
    public record Reading(long total, long busy, long steal, long interrupts, long self, long server) {
    }

    private MachineCpu() {
    }

    /** Now; null where {@code /proc} cannot be read. */
    public static Reading read() {
        try {
            String[] cpu = Files.readAllLines(STAT).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i <= 8 && i < cpu.length; i++) {
                total += Long.parseLong(cpu[i]);
            }
            long idle = Long.parseLong(cpu[4]) + (cpu.length > 5 ? Long.parseLong(cpu[5]) : 0);
            long steal = cpu.length > 8 ? Long.parseLong(cpu[8]) : 0;
            long interrupts = Long.parseLong(cpu[6]) + Long.parseLong(cpu[7]);
            long self = ticks(Path.of("/proc/self/stat"), true);
            long server = 0;
            try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> isPid(p.getFileName().toString()))) {
                for (Path p : procs) {
                    server += serverTicks(p.resolve("stat"));
                }
            }
            return new Reading(total, total - idle - steal, steal, interrupts, self, server);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Percent of the machine's CPU capacity that was busy between two readings. */
    public static Double busyPct(Reading a, Reading b) {
        if (a == null || b == null || b.total() <= a.total()) {
            return null;
        }
        return pct(b.busy() - a.busy(), b.total() - a.total());
    }

    /** Percent of the machine's CPU capacity taken by the hypervisor for other virtual machines. */
    public static Double stealPct(Reading a, Reading b) {
        if (a == null || b == null || b.total() <= a.total()) {
            return null;
        }
        return pct(b.steal() - a.steal(), b.total() - a.total());
    }

    /** Percent of the machine's CPU capacity used by processes other than this JVM and the database server. */
    public static Double othersPct(Reading a, Reading b) {
        if (a == null || b == null || b.total() <= a.total()) {
            return null;
        }
        long others = (b.busy() - a.busy()) - (b.interrupts() - a.interrupts()) - (b.self() - a.self())
                - (b.server() - a.server());
        return pct(Math.max(0, others), b.total() - a.total());
    }

    private static double pct(long part, long whole) {
        return Math.round(1000.0 * part / whole) / 10.0;
    }

    private static boolean isPid(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static long serverTicks(Path stat) {
        try {
            String s = Files.readString(stat);
            String comm = s.substring(s.indexOf('(') + 1, s.lastIndexOf(')'));
            return comm.equals("postgres") || comm.equals("pgbench") ? fields(s, true) : 0;
        } catch (IOException | RuntimeException e) {
            return 0; // the process ended meanwhile
        }
    }

    private static long ticks(Path stat, boolean withChildren) throws IOException {
        return fields(Files.readString(stat), withChildren);
    }

    /** utime + stime (+ cutime + cstime): fields 14 to 17 of {@code /proc/<pid>/stat}. */
    private static long fields(String stat, boolean withChildren) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return withChildren ? t + Long.parseLong(f[13]) + Long.parseLong(f[14]) : t;
    }
}
