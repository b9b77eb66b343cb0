package io.opentalking.controlplane.sessions;

import io.opentalking.controlplane.queue.SessionRecords;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/** Session records with a TTL. Implementations throw {@link io.opentalking.controlplane.faults.StoreException} when the store fails. */
public interface SessionRepository extends SessionRecords {
    void create(Session session, Duration ttl);

    Optional<Session> find(String id);

    /**
     * Moves the session to {@code to} only if its state is one of {@code from}; final states never change.
     * Returns the record after the attempt (changed or not), empty if there is no such session.
     */
    Optional<Session> transition(String id, Set<SessionState> from, SessionState to, String reason, Duration ttl);

    void delete(String id);
}
