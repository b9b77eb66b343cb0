package io.opentalking.controlplane.config;

import java.util.Locale;
import java.util.Set;

/** Upstream's one rule for a switch given as text: trimmed, any case, one of {@code 1 true yes on}. */
public final class Truthy {
    private static final Set<String> VALUES = Set.of("1", "true", "yes", "on");

    private Truthy() {
    }

    public static boolean isTruthy(String text) {
        return text != null && VALUES.contains(text.trim().toLowerCase(Locale.ROOT));
    }
}
