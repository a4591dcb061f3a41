package io.sluice.load.run;

import io.sluice.load.Settings;

/**
 * What one client JVM is asked to run: the settings, which client, and the run's id and
 * {@code application_name} prefix.
 */
public record ClientTask(Settings settings, String client, String runId, String appPrefix) {
}
