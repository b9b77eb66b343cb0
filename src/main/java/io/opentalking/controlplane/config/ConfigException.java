package io.opentalking.controlplane.config;

/** Invalid configuration: names the key and the offending value so the operator can fix it. */
public final class ConfigException extends RuntimeException {
    private final String key;

    public ConfigException(String key, String message) {
        super(key + ": " + message);
        this.key = key;
    }

    public static ConfigException invalid(String key, String value, String expected) {
        return new ConfigException(key, "invalid value '" + value + "'; " + expected);
    }

    public String key() {
        return key;
    }
}
