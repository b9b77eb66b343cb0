package io.opentalking.controlplane.store.memory;

import io.opentalking.controlplane.events.EventBus;
import io.opentalking.controlplane.events.Listeners;
import io.opentalking.controlplane.events.SessionEvent;
import io.opentalking.controlplane.events.StoredEvent;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** Per-session event logs and live listeners for a single replica. Logs are dropped after {@code ttl} idle. */
public final class MemoryEventBus implements EventBus {
    /** In memory, a finished session's log is kept for a minute (enough for late subscribers), not ten. */
    static final long FINAL_KEEP_MS = 60_000;
    static final int MAX_FINAL_LOGS = 10_000;
    private final java.util.concurrent.atomic.AtomicLong publishes = new java.util.concurrent.atomic.AtomicLong();
    /** Finished sessions in the order they finished, so the oldest logs go first once there are too many. */
    private final java.util.Queue<String> finishedOrder = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger finishedCount = new java.util.concurrent.atomic.AtomicInteger();

    private static final Runnable NOTHING = () -> {
    };

    private final Clock clock;
    private final Duration ttl;
    private final Map<String, Log> logs = new ConcurrentHashMap<>();
    private final Listeners listeners = new Listeners();

    private static final class Log {
        final Deque<StoredEvent> events = new ArrayDeque<>();
        long seq;
        long touched;
        long finalAt;
    }

    public MemoryEventBus(Clock clock, Duration ttl) {
        this.clock = clock;
        this.ttl = ttl;
    }

    @Override
    public boolean publish(String sessionId, SessionEvent event) {
        long now = clock.millis();
        Log log = logs.computeIfAbsent(sessionId, k -> new Log());
        StoredEvent stored;
        synchronized (log) {
            log.seq++;
            log.touched = now;
            stored = new StoredEvent(Long.toString(log.seq), event);
            if (event.isFinal()) {
                log.finalAt = now;
            }
            log.events.addLast(stored);
            while (log.events.size() > LOG_LENGTH) {
                log.events.removeFirst();
            }
        }
        listeners.deliver(sessionId, stored);
        if (event.isFinal()) {
            finishedOrder.add(sessionId);
            if (finishedCount.incrementAndGet() > MAX_FINAL_LOGS) {
                String oldest = finishedOrder.poll();
                finishedCount.decrementAndGet();
                if (oldest != null) {
                    logs.computeIfPresent(oldest, (k, l) -> l.finalAt > 0 ? null : l);
                }
            }
        }
        if (publishes.incrementAndGet() % 1024 == 0) {
            prune(now);
        }
        return true;
    }

    /** Drops finished sessions' logs after a minute and idle ones after the session TTL. */
    private void prune(long now) {
        logs.entrySet().removeIf(e -> {
            Log l = e.getValue();
            return (l.finalAt > 0 && now - l.finalAt > FINAL_KEEP_MS) || now - l.touched > ttl.toMillis();
        });
    }

    @Override
    public List<StoredEvent> since(String sessionId, String afterId) {
        Log log = logs.get(sessionId);
        if (log == null) {
            return List.of();
        }
        synchronized (log) {
            if (afterId == null) {
                return log.events.isEmpty() ? List.of() : List.of(log.events.getLast());
            }
            List<StoredEvent> out = new ArrayList<>();
            for (StoredEvent e : log.events) {
                if (compareIds(e.id(), afterId) > 0) {
                    out.add(e);
                }
            }
            return out;
        }
    }

    @Override
    public Subscription subscribe(String sessionId, Consumer<StoredEvent> listener) {
        listeners.add(sessionId, listener, NOTHING);
        return () -> listeners.remove(sessionId, listener, NOTHING);
    }

    @Override
    public int compareIds(String a, String b) {
        return Long.compare(parse(a), parse(b));
    }

    private static long parse(String id) {
        try {
            return Long.parseLong(id.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
