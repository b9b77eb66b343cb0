package io.opentalking.controlplane.config;

import java.time.Duration;

/**
 * The range checks the config records run in their compact constructors. Each names the setting's key and
 * shows the value in the key's own unit, so the operator sees what they typed.
 */
final class Check {
    private Check() {
    }

    static int range(String key, int value, int min, int max) {
        if (value < min || value > max) {
            throw ConfigException.invalid(key, Integer.toString(value), "expected a number from " + min + " to " + max);
        }
        return value;
    }

    static Duration millisAtLeast(String key, Duration value, long minMillis) {
        if (value == null || value.toMillis() < minMillis) {
            throw ConfigException.invalid(key, value == null ? "" : Long.toString(value.toMillis()),
                    "expected at least " + minMillis + " ms");
        }
        return value;
    }

    static Duration secondsAtLeast(String key, Duration value, long minSeconds) {
        if (value == null || value.toSeconds() < minSeconds) {
            throw ConfigException.invalid(key, value == null ? "" : Long.toString(value.toSeconds()),
                    "expected at least " + minSeconds + " s");
        }
        return value;
    }
}
