package io.sluice.pool;

import io.sluice.ConfigurationException;
import java.util.Locale;

/** TLS modes, named as libpq's {@code sslmode}. */
public enum SslMode {
    /** Plain TCP. */
    DISABLE("disable"),
    /** TLS if the server offers it, plain otherwise. */
    PREFER("prefer"),
    /** TLS, without checking the server's certificate. */
    REQUIRE("require"),
    /** TLS, and the server's certificate must be signed by the configured CA ({@code sslRootCert}). */
    VERIFY_CA("verify-ca"),
    /** As {@link #VERIFY_CA}, and the certificate must name the host connected to. */
    VERIFY_FULL("verify-full");

    private final String libpqName;

    SslMode(String libpqName) {
        this.libpqName = libpqName;
    }

    public String libpqName() {
        return libpqName;
    }

    /** Parses libpq's spelling ({@code verify-full}) or the enum name ({@code VERIFY_FULL}). */
    public static SslMode parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (SslMode m : values()) {
            if (m.libpqName.equals(v)) {
                return m;
            }
        }
        throw new ConfigurationException("sslMode", "sslMode '" + value
                + "' is not one of disable, prefer, require, verify-ca, verify-full");
    }
}
