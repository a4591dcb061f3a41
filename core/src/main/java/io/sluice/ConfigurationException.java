package io.sluice;

/**
 * A configuration value was rejected. Raised by builders when a setting is set or when {@code build()}
 * checks settings against each other, and at start-up when the configuration does not fit the server.
 * The message names the setting, the value and what to do; it never contains a password.
 */
public class ConfigurationException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String setting;

    public ConfigurationException(String setting, String message) {
        super(message);
        this.setting = setting;
    }

    public ConfigurationException(String setting, String message, Throwable cause) {
        super(message, cause);
        this.setting = setting;
    }

    /** The name of the setting that was rejected. */
    public String setting() {
        return setting;
    }
}
