package io.sluice.pool;

import io.sluice.ConfigurationException;
import java.time.Duration;

/** Argument checks whose messages name the setting, the value and the rule. */
final class Check {

    private Check() {
    }

    static int atLeast(String setting, int value, int min) {
        if (value < min) {
            throw new ConfigurationException(setting, setting + " must be at least " + min + ", was " + value);
        }
        return value;
    }

    static Duration positive(String setting, Duration value) {
        notNull(setting, value);
        if (value.isNegative() || value.isZero()) {
            throw new ConfigurationException(setting, setting + " must be a positive duration, was " + value);
        }
        return value;
    }

    static Duration notNegative(String setting, Duration value) {
        notNull(setting, value);
        if (value.isNegative()) {
            throw new ConfigurationException(setting, setting + " must not be negative, was " + value);
        }
        return value;
    }

    static <T> T notNull(String setting, T value) {
        if (value == null) {
            throw new ConfigurationException(setting, setting + " must not be null");
        }
        return value;
    }

    static String notBlank(String setting, String value) {
        if (value == null || value.isBlank()) {
            throw new ConfigurationException(setting, setting + " must not be empty");
        }
        return value;
    }
}
