package io.sluice.load.scenario;

import io.sluice.pool.ServerConfig;
import io.sluice.testing.FaultProxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * What a phase's fault can act on: the proxy the clients connect through, the real server (for
 * {@code pg_terminate_backend}) and, where it is local and this process may, the server's restart.
 */
public final class FaultContext {

    private final @Nullable FaultProxy proxy;
    private final ServerConfig server;
    private final String appPrefix;
    private final String restartMode;

    public FaultContext(@Nullable FaultProxy proxy, ServerConfig server, String appPrefix, String restartMode) {
        this.proxy = proxy;
        this.server = server;
        this.appPrefix = appPrefix;
        this.restartMode = restartMode;
    }

    public FaultProxy proxy() {
        if (proxy == null) {
            throw new IllegalStateException("this scenario's clients do not connect through the fault proxy");
        }
        return proxy;
    }

    /** Terminates every backend of this run's client (not the harness's own sampler); returns how many. */
    public int killBackends() throws Exception {
        Properties p = new Properties();
        p.setProperty("user", server.user());
        if (server.password() != null) {
            p.setProperty("password", server.password());
        }
        p.setProperty("ApplicationName", "sluice-chaos-admin");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + server.host() + ":" + server.port() + "/"
                + server.database(), p); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name LIKE '"
                     + appPrefix.replace("'", "''") + "%' AND application_name <> '" + appPrefix.replace("'", "''") + "monitor'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * Restarts the server: for real with {@code pg_ctlcluster ... restart} when the mode allows and this
     * machine runs the server (it refuses connections for about 0.3 s), else emulated at the proxy (every
     * connection dropped, new ones refused for 0.3 s). Returns what was done.
     */
    public String restart() throws Exception {
        boolean local = server.host().equals("127.0.0.1") || server.host().equals("localhost");
        java.io.File conf = new java.io.File("/etc/postgresql");
        String[] versions = conf.list();
        boolean canReal = local && versions != null && versions.length == 1 && new java.io.File("/usr/bin/pg_ctlcluster").canExecute()
                && "root".equals(System.getProperty("user.name"));
        if (restartMode.equals("real") || (restartMode.equals("auto") && canReal)) {
            if (!canReal) {
                throw new IllegalStateException("--restart real needs a local server managed by pg_ctlcluster and root");
            }
            long start = System.nanoTime();
            Process p = new ProcessBuilder("pg_ctlcluster", "--skip-systemctl-redirect", versions[0], "main", "restart", "-m", "fast")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            int code = p.waitFor();
            long ms = (System.nanoTime() - start) / 1_000_000;
            if (code != 0) {
                throw new IllegalStateException("pg_ctlcluster restart failed (" + code + "): " + out);
            }
            return "server restarted with pg_ctlcluster (" + ms + " ms)";
        }
        FaultProxy px = proxy();
        px.refuseNew(true);
        px.dropAll();
        Thread.sleep(Duration.ofMillis(300).toMillis());
        px.refuseNew(false);
        return "restart emulated at the proxy: every connection dropped, new ones refused for 300 ms";
    }
}
