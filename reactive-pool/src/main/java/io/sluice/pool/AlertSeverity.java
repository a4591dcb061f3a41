package io.sluice.pool;

/** How urgent an alert is: WARNING (look soon), CRITICAL (act now). */
public enum AlertSeverity {
    WARNING,
    CRITICAL
}
