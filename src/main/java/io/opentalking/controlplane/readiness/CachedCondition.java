package io.opentalking.controlplane.readiness;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A condition that does I/O (a store ping), evaluated at most once per {@code maxAge}: a load balancer polling
 * {@code /readyz} from every node, or a client hammering it, must not turn into a ping per request. Callers that
 * arrive while it is being evaluated wait for that one evaluation (a lock, not {@code synchronized}, so a
 * virtual thread waiting here does not pin its carrier).
 */
public final class CachedCondition implements Readiness.Condition {
    private record Last(Optional<String> unmet, Instant at) {
    }

    private final Readiness.Condition inner;
    private final Duration maxAge;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Last last;

    public CachedCondition(Readiness.Condition inner, Duration maxAge, Clock clock) {
        this.inner = inner;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    @Override
    public Optional<String> unmet() {
        Last l = last;
        if (fresh(l)) {
            return l.unmet();
        }
        lock.lock();
        try {
            l = last;
            if (!fresh(l)) {
                l = new Last(inner.unmet(), clock.instant());
                last = l;
            }
            return l.unmet();
        } finally {
            lock.unlock();
        }
    }

    private boolean fresh(Last l) {
        return l != null && Duration.between(l.at(), clock.instant()).compareTo(maxAge) < 0;
    }
}
