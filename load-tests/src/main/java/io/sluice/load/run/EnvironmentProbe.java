package io.sluice.load.run;

import io.sluice.load.report.Model.Environment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** What the run ran on: the JVM, the machine and the server. */
public final class EnvironmentProbe {

    private EnvironmentProbe() {
    }

    public static Environment probe(Connection admin, String server, String pgbench, String jdk21) throws SQLException {
        String version;
        int maxConnections;
        try (Statement st = admin.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('server_version'), current_setting('max_connections')::int")) {
            rs.next();
            version = rs.getString(1);
            maxConnections = rs.getInt(2);
        }
        long memoryMb = 0;
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            memoryMb = os.getTotalMemorySize() / (1024 * 1024);
        }
        return new Environment(System.getProperty("java.version"), System.getProperty("java.vendor"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                cpu(), Runtime.getRuntime().availableProcessors(), memoryMb, version, maxConnections, server, pgbench, jdk21);
    }

    static String cpu() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
