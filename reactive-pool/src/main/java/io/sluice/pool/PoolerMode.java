package io.sluice.pool;

import io.sluice.ConfigurationException;
import java.util.Locale;

/**
 * What sits between Sluice and PostgreSQL, set per server with {@link ServerConfig.Builder#pooler}.
 *
 * <p>Under {@link #TRANSACTION} (PgBouncer's {@code pool_mode = transaction}, or any pooler that hands a
 * server connection to a client for one transaction only), nothing set on a session survives the
 * transaction it was set in, so Sluice:
 * <ul>
 *   <li>runs every unit of work in one transaction, also {@code withConnection} and plain queries (a
 *       failed statement rolls back the unit's earlier ones, as in {@code inTransaction});</li>
 *   <li>applies the lane's settings ({@code statement_timeout}, {@code lock_timeout},
 *       {@code idle_in_transaction_session_timeout}, {@code application_name}, its session settings)
 *       right after each {@code BEGIN}, with {@code set_config(..., true)}: for that transaction only;</li>
 *   <li>sends no startup parameters but {@code application_name} (which PgBouncer tracks) and the
 *       driver's fixed ones; the pooler must ignore {@code extra_float_digits}
 *       ({@code ignore_startup_parameters = extra_float_digits}), which the driver always sends;</li>
 *   <li>uses unnamed statements only (the driver's statement cache off): a statement prepared on one
 *       server connection does not exist on the next (PgBouncer before 1.21 does not track them);</li>
 *   <li>lends connections between lanes without {@code SET}/{@code RESET} (the borrower's settings come
 *       with its own {@code BEGIN});</li>
 *   <li>refuses, with {@link PoolerUnsupportedException}, statements that need the session to outlive
 *       the transaction: session advisory locks, {@code LISTEN}, cursors {@code WITH HOLD},
 *       {@code PREPARE}, session-level {@code SET}/{@code RESET}/{@code DISCARD}, and temporary tables
 *       without {@code ON COMMIT DROP};</li>
 *   <li>refuses, at build time, lane settings that need a session ({@code sessionInit}).</li>
 * </ul>
 */
public enum PoolerMode {
    /** Straight to PostgreSQL, or a pooler in session mode: a connection is one server session. */
    NONE("none"),
    /** A pooler in transaction mode (PgBouncer {@code pool_mode = transaction}). */
    TRANSACTION("transaction");

    private final String label;

    PoolerMode(String label) {
        this.label = label;
    }

    /** How it is written in a URL ({@code ?pooler=transaction}) and in messages. */
    public String label() {
        return label;
    }

    /** Parses {@code none}, {@code session} (same as none) or {@code transaction}, any case. */
    public static PoolerMode parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        switch (v) {
            case "none", "session" -> {
                return NONE;
            }
            case "transaction" -> {
                return TRANSACTION;
            }
            default -> throw new ConfigurationException("pooler", "pooler '" + value
                    + "' is not one of none, session, transaction (PgBouncer's pool_mode; statement mode is not supported: "
                    + "Sluice's units of work are transactions)");
        }
    }
}
