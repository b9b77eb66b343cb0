package io.opentalking.controlplane.sessions;

import java.util.Optional;

/** A session as {@code GET /sessions/{id}} shows it: the record plus its queue position while queued. */
public record SessionView(Session session, Optional<Integer> queuePosition) {
}
