package io.sluice.pool;

/**
 * Server connections one role holds under one {@code application_name}, as {@code pg_stat_activity} shows
 * them: what the start-up budget check and {@link ServerHealth#holders()} count besides this instance's lanes.
 *
 * @param role            the role ({@code usename}); {@code ?} when the server does not say
 * @param applicationName the {@code application_name}, empty when none was set
 * @param connections     client backends with both
 */
public record ConnectionHolder(String role, String applicationName, int connections) {

    /** {@code role/application_name=n}, {@code (none)} for an empty application_name. */
    @Override
    public String toString() {
        return role + "/" + (applicationName.isEmpty() ? "(none)" : applicationName) + "=" + connections;
    }
}
