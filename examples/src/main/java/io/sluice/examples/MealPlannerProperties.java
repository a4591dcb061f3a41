package io.sluice.examples;

import java.time.Duration;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The service's settings, {@code meal-planner.*} (application.properties, environment variables such as
 * {@code MEAL_PLANNER_INTERACTIVE_MAX_SIZE}, or {@code --meal-planner.schema=...}). Where to connect is
 * not here: it comes from the standard {@code PG*} variables ({@code ServerConfig.fromEnvironment()}).
 *
 * @param schema            the schema the tables live in; created at startup if missing
 * @param applicationName   prefix of each lane's {@code application_name} ({@code meal-planner-interactive}, ...)
 * @param interactive       the lane of the user-facing endpoints
 * @param background        the lane of the export
 * @param requestTimeout    a request's deadline when it sends no {@code X-Request-Timeout}
 * @param maxRequestTimeout the largest {@code X-Request-Timeout} a client may ask for
 * @param exportTimeout     the deadline of {@code GET /export} when it sends no {@code X-Request-Timeout}
 * @param retryAfter        the {@code Retry-After} sent with 503 when a lane is overloaded
 * @param closeGrace        how long shutdown lets in-flight database work finish
 * @param healthProbeInterval how long a health probe's answer (the server's connections, whether it answers) is reused
 */
@ConfigurationProperties("meal-planner")
public record MealPlannerProperties(
        @DefaultValue("meal_planner") String schema,
        @DefaultValue("meal-planner") String applicationName,
        @DefaultValue Interactive interactive,
        @DefaultValue Background background,
        @DefaultValue("2s") Duration requestTimeout,
        @DefaultValue("30s") Duration maxRequestTimeout,
        @DefaultValue("10m") Duration exportTimeout,
        @DefaultValue("1s") Duration retryAfter,
        @DefaultValue("5s") Duration closeGrace,
        @DefaultValue("10s") Duration healthProbeInterval) {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    public MealPlannerProperties {
        if (schema == null || !IDENTIFIER.matcher(schema).matches()) {
            // it is written into DDL, so only a plain lower-case identifier is accepted
            throw new IllegalArgumentException("meal-planner.schema must be a lower-case SQL identifier "
                    + "([a-z_][a-z0-9_]*, at most 63 characters), was '" + schema + "'");
        }
    }

    /**
     * @param maxSize          connections (small: a user-facing lane should say "busy" rather than queue)
     * @param maxPending       requests allowed to wait for admission; the next is rejected at once (503)
     * @param acquireTimeout   longest wait in that queue
     * @param statementTimeout the lane's {@code statement_timeout}
     */
    public record Interactive(
            @DefaultValue("8") int maxSize,
            @DefaultValue("16") int maxPending,
            @DefaultValue("500ms") Duration acquireTimeout,
            @DefaultValue("2s") Duration statementTimeout) {
    }

    /**
     * @param maxSize          connections for reports and exports, apart from the interactive ones
     * @param statementTimeout the lane's {@code statement_timeout}
     * @param fetchSize        rows per round trip when a result is streamed
     * @param standbys         streaming standbys the export reads from, as URLs
     *                         ({@code postgresql://app@replica-1:5432/meals}); none by default: the primary
     */
    public record Background(
            @DefaultValue("2") int maxSize,
            @DefaultValue("5m") Duration statementTimeout,
            @DefaultValue("200") int fetchSize,
            @DefaultValue({}) java.util.List<String> standbys) {
    }
}
