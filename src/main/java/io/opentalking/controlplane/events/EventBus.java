package io.opentalking.controlplane.events;

import java.util.List;
import java.util.function.Consumer;

/**
 * Per-session event log plus live delivery, shared by all replicas. Publishing never throws to the caller's
 * business logic: a failed publish is reported through the return value.
 */
public interface EventBus {
    /** How long a session's event log is kept after its final event (as long as its final record). */
    java.time.Duration FINAL_LOG_TTL = java.time.Duration.ofSeconds(600);
    /** Events kept per session for replay, in every implementation. */
    int LOG_LENGTH = 64;

    /** Appends and broadcasts; returns false if the store could not take it. */
    boolean publish(String sessionId, SessionEvent event);

    /** Events after {@code afterId} (exclusive), or the latest one when {@code afterId} is null. */
    List<StoredEvent> since(String sessionId, String afterId);

    /** Live events from now on, until the subscription is closed. */
    Subscription subscribe(String sessionId, Consumer<StoredEvent> listener);

    /** Compares log ids; ids from one session's log are totally ordered. */
    int compareIds(String a, String b);

    /** A live subscription. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
