package io.opentalking.controlplane.http;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Open event streams, capped in all and per session, so that streams cannot exhaust the heap. Streams that belong
 * to no session count in the total only.
 */
final class StreamBudget {
    /** Why a stream was refused. */
    enum Refusal {
        TOTAL("too many event streams are open; try again later"),
        PER_SESSION("too many event streams are open for this session");

        final String detail;

        Refusal(String detail) {
            this.detail = detail;
        }
    }

    /** One admitted stream; closing it gives its place back. */
    interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    private final int maxTotal;
    private final int maxPerSession;
    private final AtomicInteger total = new AtomicInteger();
    private final Map<String, AtomicInteger> perSession = new ConcurrentHashMap<>();

    StreamBudget(int maxTotal, int maxPerSession) {
        this.maxTotal = maxTotal;
        this.maxPerSession = maxPerSession;
    }

    /** A permit, or the reason there is none. Exactly one of the two is present. */
    record Admission(Optional<Permit> permit, Optional<Refusal> refusal) {
    }

    Admission open(String sessionId) {
        return admit(Optional.of(sessionId));
    }

    /** A stream that belongs to no session (model status changes): it counts in the total cap only. */
    Admission openUnkeyed() {
        return admit(Optional.empty());
    }

    private Admission admit(Optional<String> sessionId) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return new Admission(Optional.empty(), Optional.of(Refusal.TOTAL));
        }
        if (sessionId.isPresent() && !takePerSession(sessionId.get())) {
            total.decrementAndGet();
            return new Admission(Optional.empty(), Optional.of(Refusal.PER_SESSION));
        }
        Permit p = new Permit() {
            private boolean closed;

            @Override
            public synchronized void close() {
                if (closed) {
                    return;
                }
                closed = true;
                sessionId.ifPresent(id -> perSession.computeIfPresent(id, (k, c) -> c.decrementAndGet() <= 0 ? null : c));
                total.decrementAndGet();
            }
        };
        return new Admission(Optional.of(p), Optional.empty());
    }

    private boolean takePerSession(String sessionId) {
        boolean[] admitted = {false};
        // compute() runs atomically per key, so a concurrent close cannot remove the counter we count on.
        perSession.compute(sessionId, (k, n) -> {
            AtomicInteger c = n == null ? new AtomicInteger() : n;
            if (c.get() < maxPerSession) {
                c.incrementAndGet();
                admitted[0] = true;
            }
            return c.get() == 0 ? null : c;
        });
        return admitted[0];
    }

    int open() {
        return total.get();
    }
}
