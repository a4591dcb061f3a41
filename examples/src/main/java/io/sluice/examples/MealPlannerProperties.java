package io.sluice.examples;

import java.time.Duration;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The service's own settings, {@code meal-planner.*}. The lanes and where to connect are Sluice's
 * ({@code sluice.lanes.*}, {@code sluice.server.*} and the {@code PG*} variables; see application.properties).
 *
 * @param schema            the schema the tables live in; created at startup if missing
 * @param applicationName   prefix of each lane's {@code application_name} ({@code meal-planner-interactive}, ...)
 * @param requestTimeout    a request's deadline when it sends no {@code X-Request-Timeout}
 * @param maxRequestTimeout the largest {@code X-Request-Timeout} a client may ask for
 * @param exportTimeout     the deadline of {@code GET /export} when it sends no {@code X-Request-Timeout}
 * @param retryAfter        the {@code Retry-After} sent with 503 when a lane is overloaded
 * @param adminToken        the credential of the administrative endpoints ({@code Authorization: Bearer <token>},
 *                          or HTTP Basic with it as the password); unset, they answer 401 to everyone
 * @param aggregationCron   when the nightly aggregation runs (a Spring cron expression, server time); {@code -} for never
 * @param menuDays          days in a generated menu
 * @param mealsPerDay       meals a day in a generated menu
 * @param sharedPool        run every kind of work on one lane, {@code shared} (see {@link PlannerLanes}; the
 *                          {@code shared} profile sets it with the lane), to measure the one-pool design against lanes
 */
@ConfigurationProperties("meal-planner")
public record MealPlannerProperties(
        @DefaultValue("meal_planner") String schema,
        @DefaultValue("meal-planner") String applicationName,
        @DefaultValue("2s") Duration requestTimeout,
        @DefaultValue("30s") Duration maxRequestTimeout,
        @DefaultValue("10m") Duration exportTimeout,
        @DefaultValue("1s") Duration retryAfter,
        @Nullable String adminToken,
        @DefaultValue("0 30 2 * * *") String aggregationCron,
        @DefaultValue("7") int menuDays,
        @DefaultValue("3") int mealsPerDay,
        @DefaultValue("false") boolean sharedPool) {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    public MealPlannerProperties {
        if (schema == null || !IDENTIFIER.matcher(schema).matches()) {
            // it is written into DDL, so only a plain lower-case identifier is accepted
            throw new IllegalArgumentException("meal-planner.schema must be a lower-case SQL identifier "
                    + "([a-z_][a-z0-9_]*, at most 63 characters), was '" + schema + "'");
        }
        if (adminToken != null && adminToken.length() < 16) {
            throw new IllegalArgumentException("meal-planner.admin-token must be at least 16 characters (a random secret), was "
                    + adminToken.length());
        }
        if (menuDays < 1 || menuDays > 14 || mealsPerDay < 1 || mealsPerDay > 6) {
            throw new IllegalArgumentException("meal-planner.menu-days must be 1..14 and meal-planner.meals-per-day 1..6, were "
                    + menuDays + " and " + mealsPerDay);
        }
    }
}
