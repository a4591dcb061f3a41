package io.sluice.pool;

import io.sluice.ConfigurationException;

/**
 * A position in the primary's write-ahead log (PostgreSQL's {@code pg_lsn}, written {@code 16/B374D848}):
 * what a standby must have replayed to show a commit. Immutable; ordered; its {@link #toString()} is the
 * {@code pg_lsn} text, so it can be kept in a session or a cookie and read back with {@link #parse(String)}.
 */
public final class WalPosition implements Comparable<WalPosition> {

    private final long lsn;

    private WalPosition(long lsn) {
        this.lsn = lsn;
    }

    /**
     * Reads {@code pg_lsn} text ({@code 16/B374D848}).
     *
     * @throws ConfigurationException naming the value when it is not two hexadecimal numbers around a {@code /}
     */
    public static WalPosition parse(String text) {
        Check.notNull("walPosition", text);
        int slash = text.indexOf('/');
        try {
            if (slash > 0) {
                long hi = Long.parseLong(text.substring(0, slash).trim(), 16);
                long lo = Long.parseLong(text.substring(slash + 1).trim(), 16);
                if (hi >= 0 && hi <= 0xFFFFFFFFL && lo >= 0 && lo <= 0xFFFFFFFFL) {
                    return new WalPosition(hi << 32 | lo);
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigurationException("walPosition", "a WAL position is written as PostgreSQL's pg_lsn, two "
                + "hexadecimal numbers around a '/' such as 16/B374D848, was '" + text + "'");
    }

    /** The position as one unsigned 64-bit number (bytes of WAL since the cluster began). */
    public long value() {
        return lsn;
    }

    /** Bytes of WAL from {@code earlier} to this position; 0 when {@code earlier} is not before it. */
    public long bytesAfter(WalPosition earlier) {
        return Long.compareUnsigned(lsn, earlier.lsn) <= 0 ? 0 : lsn - earlier.lsn;
    }

    @Override
    public int compareTo(WalPosition o) {
        return Long.compareUnsigned(lsn, o.lsn);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WalPosition w && w.lsn == lsn;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(lsn);
    }

    @Override
    public String toString() {
        return Long.toHexString(lsn >>> 32).toUpperCase(java.util.Locale.ROOT) + "/"
                + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase(java.util.Locale.ROOT);
    }
}
