package io.opentalking.controlplane.sessions;

import io.opentalking.controlplane.queue.SessionRecords;

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

    /** What this state tells the queue about a session's slot. */
    public SessionRecords.Standing standing() {
        return switch (this) {
            case CLOSED, ERROR -> SessionRecords.Standing.ENDED;
            case CREATED, RUNNING -> SessionRecords.Standing.GRANTED;
            case QUEUED -> SessionRecords.Standing.QUEUED;
        };
    }

    public static Optional<SessionState> parse(String s) {
        return Arrays.stream(values()).filter(v -> v.wireName.equals(s)).findFirst();
    }
}
