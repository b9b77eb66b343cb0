package io.opentalking.controlplane.sessions;

import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cap on live sessions this replica created ({@code OPENTALKING_MAX_SESSIONS}), so that a flood of
 * creations cannot fill the heap (each record holds up to 64 KiB of options). Sessions that end through this
 * replica leave at once; those ended elsewhere (another replica, an expiry) are found by re-reading the records
 * when the cap is reached, at most once per {@link #RECHECK_EVERY}.
 */
final class LiveSessions {
    static final Duration RECHECK_EVERY = Duration.ofSeconds(1);

    private final int cap;
    private final SessionRepository repo;
    private final Clock clock;
    private final Set<String> ids = ConcurrentHashMap.newKeySet();
    private long lastRecheckMs = Long.MIN_VALUE / 2;

    LiveSessions(int cap, SessionRepository repo, Clock clock) {
        this.cap = cap;
        this.repo = repo;
        this.clock = clock;
    }

    /** Takes a place for {@code id}, or throws {@link SessionRejected.TooManySessions}; nothing else changes. */
    synchronized void reserve(String id) {
        if (ids.size() >= cap) {
            recheck();
        }
        if (ids.size() >= cap) {
            throw new SessionRejected.TooManySessions(cap);
        }
        ids.add(id);
    }

    void release(String id) {
        ids.remove(id);
    }

    int size() {
        return ids.size();
    }

    private void recheck() {
        long now = clock.millis();
        if (now - lastRecheckMs < RECHECK_EVERY.toMillis()) {
            return;
        }
        lastRecheckMs = now;
        for (Iterator<String> it = ids.iterator(); it.hasNext(); ) {
            String id = it.next();
            // A store failure keeps the place: better to refuse a little too much than to overfill.
            if (repo.find(id).map(s -> s.state().isFinal()).orElse(true)) {
                it.remove();
            }
        }
    }
}
