package io.sluice.spring.boot;

import io.sluice.ConfigurationException;
import java.util.Locale;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/** Hands a property's value to a builder's setter, turning the builder's rejection into one that names the property. */
final class PropertyValues {

    private PropertyValues() {
    }

    /** Calls {@code setter} with {@code value} unless it is unset; a rejection names {@code property}. */
    static <T> void set(String property, @Nullable T value, Consumer<T> setter) {
        if (value == null) {
            return;
        }
        try {
            setter.accept(value);
        } catch (IllegalArgumentException e) {
            throw rejected(property, e);
        }
    }

    /** The builder's message, led by the property that carried the value (never the value of a password: builders do not print them). */
    static ConfigurationException rejected(String property, IllegalArgumentException e) {
        return new ConfigurationException(property, "Invalid Sluice property '" + property + "': " + e.getMessage(), e);
    }

    /**
     * The property of a setting a builder's {@code build()} rejected: {@code "lane 'x': minIdle"} under
     * {@code sluice.lanes.x.} is {@code sluice.lanes.x.min-idle}.
     */
    static String property(String prefix, String setting) {
        String name = setting.substring(setting.lastIndexOf(' ') + 1);
        if (name.equals("sessionSetting")) {
            name = "sessionSettings";
        }
        StringBuilder kebab = new StringBuilder(prefix);
        for (char c : name.toCharArray()) {
            if (Character.isUpperCase(c)) {
                kebab.append('-').append(Character.toLowerCase(c));
            } else {
                kebab.append(c);
            }
        }
        return kebab.toString().toLowerCase(Locale.ROOT);
    }
}
