package io.sluice.spring.boot;

import io.sluice.ConfigurationException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Start-up failed on a Sluice setting: Spring Boot's report names it and says what to change, without a stack trace to dig through. */
final class SluiceFailureAnalyzer extends AbstractFailureAnalyzer<ConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ConfigurationException cause) {
        String setting = cause.setting();
        String action = setting.startsWith("sluice.") || setting.startsWith("PG")
                ? "Correct '" + setting + "' (see the README's Spring Boot section for every sluice.* property and its default)."
                : "Correct the setting '" + setting + "' of Sluice's configuration.";
        return new FailureAnalysis("Sluice could not start: " + cause.getMessage(), action, cause);
    }
}
