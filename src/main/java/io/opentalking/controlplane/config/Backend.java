package io.opentalking.controlplane.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** How a synthesis model is reached. Wire names are upstream's. */
public enum Backend {
    MOCK("mock"), LOCAL("local"), OMNIRT("omnirt"), DIRECT_WS("direct_ws");

    private final String wireName;

    Backend(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<Backend> parse(String raw) {
        String v = raw == null ? "" : raw.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(b -> b.wireName.equals(v)).findFirst();
    }

    /** The allowed values, as upstream lists them in its error text. */
    public static String allowed() {
        return "['direct_ws', 'local', 'mock', 'omnirt']";
    }
}
