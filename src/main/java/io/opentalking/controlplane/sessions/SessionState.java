package io.opentalking.controlplane.sessions;

import java.util.Arrays;
import java.util.Optional;

/** A session's life: queued → created → running → closed; error and closed are final. */
public enum SessionState {
    QUEUED("queued"), CREATED("created"), RUNNING("running"), CLOSED("closed"), ERROR("error");

    private final String wireName;

    SessionState(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public boolean isFinal() {
        return this == CLOSED || this == ERROR;
    }

    public static Optional<SessionState> parse(String s) {
        return Arrays.stream(values()).filter(v -> v.wireName.equals(s)).findFirst();
    }
}
