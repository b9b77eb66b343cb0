package io.opentalking.controlplane.events;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** A named event for one session, with upstream's names and payloads ({@code session.queued}, ...). */
public record SessionEvent(String name, Map<String, Object> data) {
    public static final String QUEUED = "session.queued";
    public static final String EXPIRING = "session.expiring";
    public static final String EXPIRED = "session.expired";
    public static final String CLOSED = "session.closed";

    /** Upstream's messages, also the session state reasons of the same outcomes. */
    public static final String SLOT_ACQUIRED = "slot_acquired";
    public static final String TIMEOUT = "timeout";
    public static final String SESSION_EXPIRED = "session_expired";
    public static final String LEASE_LOST = "lease_lost";
    public static final String SERVER_SHUTDOWN = "server_shutdown";
    /** Ours, not upstream's: the session's record vanished from the store, so its slot was given back. */
    public static final String SESSION_MISSING = "session_missing";

    public SessionEvent {
        Objects.requireNonNull(name);
        data = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(data));
    }

    public static SessionEvent queued(String sid, int position, String message) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("session_id", sid);
        d.put("position", position);
        d.put("message", message);
        return new SessionEvent(QUEUED, d);
    }

    public static SessionEvent expiring(String sid, long remainingSec) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("session_id", sid);
        d.put("remaining_sec", remainingSec);
        return new SessionEvent(EXPIRING, d);
    }

    public static SessionEvent expired(String sid, String message) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("session_id", sid);
        d.put("message", message);
        return new SessionEvent(EXPIRED, d);
    }

    public static SessionEvent closed(String sid, String state) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("session_id", sid);
        d.put("state", state);
        return new SessionEvent(CLOSED, d);
    }

    /** True for events after which the session is over and its stream should end. */
    public boolean isFinal() {
        return name.equals(CLOSED);
    }
}
