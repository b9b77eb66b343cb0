package io.opentalking.controlplane.availability;

/** Why a model is or is not connected. Wire names are upstream's reason strings. */
public enum Reason {
    LOCAL_SELF_TEST("local_self_test"),
    LOCAL_RUNTIME("local_runtime"),
    LOCAL_ADAPTER_MISSING("local_adapter_missing"),
    OMNIRT("omnirt"),
    OMNIRT_UNAVAILABLE("omnirt_unavailable"),
    LEGACY_WS("legacy_ws"),
    NOT_CONFIGURED("not_configured"),
    DIRECT_WS("direct_ws"),
    DIRECT_WS_UNAVAILABLE("direct_ws_unavailable"),
    EXPLICIT_ENABLED("explicit_enabled");

    private final String wireName;

    Reason(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
