package io.opentalking.controlplane.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Looks a setting up in precedence order: OPENTALKING_* env, legacy unprefixed env, YAML.
 * Every answer carries the key it came from, so a validation error can name it.
 */
final class ConfigSources {
    /** A raw value and where it was found. */
    record Raw(String key, Object value) {
        String text() {
            return value == null ? "" : String.valueOf(value);
        }
    }

    private final Map<String, String> env;
    private final Map<String, Object> yaml;

    ConfigSources(Map<String, String> env, Map<String, Object> yaml) {
        this.env = env;
        this.yaml = yaml;
    }

    /** Env names tried in order (first present wins, blank values are skipped), then the YAML path. */
    Optional<Raw> find(List<String> envNames, String yamlPath) {
        for (String name : envNames) {
            String v = env.get(name);
            if (v != null && !v.isBlank()) {
                return Optional.of(new Raw(name, v));
            }
        }
        if (yamlPath != null) {
            Object v = yamlValue(yamlPath);
            if (v != null && !(v instanceof String s && s.isBlank())) {
                return Optional.of(new Raw(yamlPath, v));
            }
        }
        return Optional.empty();
    }

    Optional<Raw> env(String name) {
        return find(List.of(name), null);
    }

    Object yamlValue(String dottedPath) {
        Object node = yaml;
        for (String part : dottedPath.split("\\.")) {
            if (!(node instanceof Map<?, ?> m)) {
                return null;
            }
            node = m.get(part);
        }
        return node;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> yamlModels() {
        Object models = yaml.get("models");
        if (models == null) {
            return Map.of();
        }
        if (!(models instanceof Map<?, ?>)) {
            throw new ConfigException("models", "must be a mapping of model id to settings");
        }
        return (Map<String, Object>) models;
    }

    static String envModelKey(String model, String suffix) {
        return "OPENTALKING_" + model.toUpperCase(Locale.ROOT).replace('-', '_') + "_" + suffix;
    }
}
