package io.opentalking.controlplane.store.memory;

import io.opentalking.controlplane.sessions.Session;
import io.opentalking.controlplane.sessions.SessionRepository;
import io.opentalking.controlplane.sessions.SessionState;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Session records in memory, with lazy TTL expiry like Redis keys. */
public final class MemorySessionRepository implements SessionRepository {
    private record Entry(Session session, long expiresAt) {
    }

    /** Finished records kept at most (oldest dropped first), so a churn of sessions cannot fill the heap. */
    static final int MAX_FINAL = 10_000;

    private final Clock clock;
    private final Map<String, Entry> records = new ConcurrentHashMap<>();
    private final java.util.Queue<String> finished = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger finishedCount = new java.util.concurrent.atomic.AtomicInteger();

    public MemorySessionRepository(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void create(Session session, Duration ttl) {
        records.put(session.id(), new Entry(session, clock.millis() + ttl.toMillis()));
        if (records.size() % 256 == 0) {
            long now = clock.millis();
            records.values().removeIf(e -> e.expiresAt <= now);
        }
    }

    @Override
    public Optional<Session> find(String id) {
        Entry e = records.get(id);
        if (e == null) {
            return Optional.empty();
        }
        if (e.expiresAt <= clock.millis()) {
            records.remove(id, e);
            return Optional.empty();
        }
        return Optional.of(e.session);
    }

    @Override
    public Optional<Session> transition(String id, Set<SessionState> from, SessionState to, String reason,
                                        Duration ttl) {
        long now = clock.millis();
        boolean[] finishedNow = {false};
        Entry after = records.computeIfPresent(id, (k, e) -> {
            if (e.expiresAt <= now) {
                return null;
            }
            SessionState s = e.session.state();
            if (s.isFinal() || !from.contains(s)) {
                return e;
            }
            finishedNow[0] = to.isFinal();
            return new Entry(e.session.withState(to, clock.instant(), reason), now + ttl.toMillis());
        });
        if (finishedNow[0]) {
            finished.add(id);
            if (finishedCount.incrementAndGet() > MAX_FINAL) {
                String oldest = finished.poll();
                finishedCount.decrementAndGet();
                if (oldest != null) {
                    records.computeIfPresent(oldest, (k, e) -> e.session.state().isFinal() ? null : e);
                }
            }
        }
        return Optional.ofNullable(after).map(Entry::session);
    }

    @Override
    public Map<String, Standing> standing(Collection<String> ids) {
        Map<String, Standing> out = new HashMap<>();
        for (String id : ids) {
            out.put(id, find(id).map(s -> s.state().standing()).orElse(Standing.MISSING));
        }
        return out;
    }

    @Override
    public void delete(String id) {
        records.remove(id);
    }
}
