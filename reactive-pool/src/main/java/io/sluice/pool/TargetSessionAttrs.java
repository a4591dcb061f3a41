package io.sluice.pool;

import io.r2dbc.postgresql.MultiHostConnectionStrategy.TargetServerType;
import io.sluice.ConfigurationException;
import java.util.Locale;

/**
 * Which server of a host list a new connection accepts, as libpq's {@code target_session_attrs}: the hosts
 * are tried in order and the first that matches is used. Whether a server is read-write is asked with
 * {@code SHOW transaction_read_only} on the new connection, so after a failover the promoted standby is
 * found by the next connection opened.
 */
public enum TargetSessionAttrs {
    /** Any server that accepts the connection (the default). */
    ANY("any", TargetServerType.ANY),
    /** A server that accepts writes: the primary. */
    READ_WRITE("read-write", TargetServerType.PRIMARY),
    /** As {@link #READ_WRITE} (libpq tells them apart by {@code in_hot_standby}; the driver cannot). */
    PRIMARY("primary", TargetServerType.PRIMARY),
    /** A server in read-only mode: a standby. */
    READ_ONLY("read-only", TargetServerType.SECONDARY),
    /** As {@link #READ_ONLY}. */
    STANDBY("standby", TargetServerType.SECONDARY),
    /** A standby when one answers, else the primary. */
    PREFER_STANDBY("prefer-standby", TargetServerType.PREFER_SECONDARY);

    private final String libpqName;
    private final TargetServerType driverType;

    TargetSessionAttrs(String libpqName, TargetServerType driverType) {
        this.libpqName = libpqName;
        this.driverType = driverType;
    }

    /** The name libpq uses ({@code read-write}). */
    public String libpqName() {
        return libpqName;
    }

    TargetServerType driverType() {
        return driverType;
    }

    /**
     * Reads libpq's name ({@code read-write}), case-insensitive; {@code _} is taken for {@code -}.
     *
     * @throws ConfigurationException naming the value and the accepted ones
     */
    public static TargetSessionAttrs parse(String value) {
        String v = Check.notBlank("targetSessionAttrs", value).trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (TargetSessionAttrs t : values()) {
            if (t.libpqName.equals(v)) {
                return t;
            }
        }
        throw new ConfigurationException("targetSessionAttrs", "targetSessionAttrs must be one of any, read-write, primary, "
                + "read-only, standby, prefer-standby, was '" + value + "'");
    }
}
