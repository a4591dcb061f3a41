package io.sluice.spring.boot;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * Sluice's Spring Boot properties: {@code sluice.server.*} (where to connect), {@code sluice.lanes.<name>.*}
 * (each lane's pool, admission, resilience and session defaults) and the settings of the lanes as a whole.
 * Every value left unset keeps the default of Sluice's builders ({@code ServerConfig}, {@code LaneConfig},
 * {@code Lanes}); every value set is handed to the same validating builder, so a bad one fails start-up with
 * the builder's message and the property's name. Durations take Spring Boot's formats ({@code 500ms},
 * {@code 2s}, {@code PT0.5S}); relaxed binding applies ({@code SLUICE_LANES_INTERACTIVE_MAXSIZE}).
 */
@ConfigurationProperties("sluice")
public class SluiceProperties {

    /** Whether Sluice's auto-configuration creates the lanes. */
    private boolean enabled = true;

    /** Where and how to connect. The PG* environment variables are read first; these properties override them. */
    @NestedConfigurationProperty
    private final SluiceServerProperties server = new SluiceServerProperties();

    /**
     * The lanes, by name (1 to 40 of a-z, 0-9, '_' or '-'). The built-in lanes interactive, background and admin
     * exist with Sluice's defaults unless switched off ({@code sluice.lanes.admin.enabled=false}); any other
     * name declares a lane of its own.
     */
    private final Map<String, SluiceLaneProperties> lanes = new LinkedHashMap<>();

    /** How long shutdown lets in-flight database work finish after the web server stopped taking requests */
    private Duration closeGrace = Duration.ofSeconds(10);

    /** The longest start-up may wait for the lanes' initial connections and the connection budget check. */
    private Duration startTimeout = Duration.ofSeconds(60);

    /** How long a health probe's answer is reused by the health contributor (default 10s). */
    private @Nullable Duration healthProbeInterval;

    /** How often alert rules are evaluated (default 1s). */
    private @Nullable Duration alertInterval;

    /** Whether the default alert rules run (their transitions are logged and published on Lanes.alerts()). */
    private boolean alerts = true;

    /** One INFO line per lane every this long (in flight, waiting, connections, p95 wait, rejections); off when unset. */
    private @Nullable Duration statsLogInterval;

    /** How often lane priorities are re-evaluated against latency targets (default 200ms). */
    private @Nullable Duration priorityInterval;

    /** Server connections left for other clients when the lanes' total size is checked against max_connections (default 5). */
    private @Nullable Integer budgetReserve;

    /** Whether start-up checks the lanes' total maxSize against the server's max_connections (default true). */
    private @Nullable Boolean checkBudget;

    /** Instances of this service sharing the server: the budget check counts the lanes this many times (default 1). */
    private @Nullable Integer instances;

    /** Whether Sluice's timers publish percentile histograms (for p95/p99 in Prometheus; default false). */
    private @Nullable Boolean meterHistograms;

    /** Whether Sluice's meters are registered with the application's MeterRegistry, when there is one. */
    private boolean meters = true;

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean enabled) { this.enabled = enabled; }
    public SluiceServerProperties getServer() { return server; }
    public Map<String, SluiceLaneProperties> getLanes() { return lanes; }
    public Duration getCloseGrace() { return closeGrace; }
    public void setCloseGrace(Duration closeGrace) { this.closeGrace = closeGrace; }
    public Duration getStartTimeout() { return startTimeout; }
    public void setStartTimeout(Duration startTimeout) { this.startTimeout = startTimeout; }
    public @Nullable Duration getHealthProbeInterval() { return healthProbeInterval; }
    public void setHealthProbeInterval(@Nullable Duration healthProbeInterval) { this.healthProbeInterval = healthProbeInterval; }
    public @Nullable Duration getAlertInterval() { return alertInterval; }
    public void setAlertInterval(@Nullable Duration alertInterval) { this.alertInterval = alertInterval; }
    public boolean isAlerts() { return alerts; }
    public void setAlerts(boolean alerts) { this.alerts = alerts; }
    public @Nullable Duration getStatsLogInterval() { return statsLogInterval; }
    public void setStatsLogInterval(@Nullable Duration statsLogInterval) { this.statsLogInterval = statsLogInterval; }
    public @Nullable Duration getPriorityInterval() { return priorityInterval; }
    public void setPriorityInterval(@Nullable Duration priorityInterval) { this.priorityInterval = priorityInterval; }
    public @Nullable Integer getInstances() { return instances; }
    public void setInstances(@Nullable Integer instances) { this.instances = instances; }
    public @Nullable Integer getBudgetReserve() { return budgetReserve; }
    public void setBudgetReserve(@Nullable Integer budgetReserve) { this.budgetReserve = budgetReserve; }
    public @Nullable Boolean getCheckBudget() { return checkBudget; }
    public void setCheckBudget(@Nullable Boolean checkBudget) { this.checkBudget = checkBudget; }
    public @Nullable Boolean getMeterHistograms() { return meterHistograms; }
    public void setMeterHistograms(@Nullable Boolean meterHistograms) { this.meterHistograms = meterHistograms; }
    public boolean isMeters() { return meters; }
    public void setMeters(boolean meters) { this.meters = meters; }
}
