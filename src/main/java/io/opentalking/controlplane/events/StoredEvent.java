package io.opentalking.controlplane.events;

/** An event as kept in a session's log: ids increase, so a client can resume with Last-Event-ID. */
public record StoredEvent(String id, SessionEvent event) {
}
