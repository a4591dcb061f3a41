package io.sluice.load.client;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * A blocking JDBC client: each unit of work runs on a thread of {@code executor} (a fixed pool of platform
 * threads, or a virtual thread per task), borrowing a connection from {@code dataSource} (HikariCP, or a
 * plain data source that opens one per call). Time spent queued for a thread counts in the latency.
 */
final class JdbcClient implements DbClient {

    private final DataSource dataSource;
    private final ExecutorService executor;
    private final Supplier<List<PoolState>> pools;
    private final AutoCloseable onClose;
    private final ThrowingRunnable onStart;

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    JdbcClient(DataSource dataSource, ExecutorService executor, Supplier<List<PoolState>> pools,
               ThrowingRunnable onStart, AutoCloseable onClose) {
        this.dataSource = dataSource;
        this.executor = executor;
        this.pools = pools;
        this.onStart = onStart;
        this.onClose = onClose;
    }

    @Override
    public void start() throws Exception {
        onStart.run();
    }

    @Override
    public void execute(Work work, Completion done) {
        try {
            executor.execute(() -> {
                Throwable error = null;
                try (Connection c = dataSource.getConnection()) {
                    run(c, work);
                } catch (Throwable t) {
                    error = t;
                }
                done.done(error);
            });
        } catch (RejectedExecutionException e) {
            done.done(e);
        }
    }

    static void run(Connection c, Work w) throws SQLException {
        if (!w.transactional()) {
            for (Work.Stmt st : w.statements()) {
                exec(c, st);
            }
            return;
        }
        c.setAutoCommit(false);
        if (w.readOnly()) {
            c.setReadOnly(true);
        }
        try {
            for (Work.Stmt st : w.statements()) {
                exec(c, st);
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        } finally {
            if (w.readOnly()) {
                c.setReadOnly(false);
            }
            c.setAutoCommit(true);
        }
    }

    private static void exec(Connection c, Work.Stmt st) throws SQLException {
        JdbcSql sql = JdbcSql.of(st.sql());
        try (PreparedStatement ps = c.prepareStatement(sql.sql())) {
            int[] order = sql.order();
            for (int i = 0; i < order.length; i++) {
                ps.setObject(i + 1, st.params()[order[i]]);
            }
            if (st.shape() == Work.Shape.UPDATE) {
                ps.executeUpdate();
                return;
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    for (int i = 1; i <= st.columns(); i++) {
                        rs.getObject(i);
                    }
                }
            }
        }
    }

    @Override
    public List<PoolState> pools() {
        return pools.get();
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
        try {
            onClose.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the JDBC client failed: " + e.getMessage(), e);
        }
    }
}
