package io.opentalking.controlplane.readiness;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The readiness verdict: ready while every condition holds and the replica is not draining. Draining starts once
 * (SIGTERM) and never ends, so a load balancer takes the replica out before the listener closes.
 */
public final class Readiness {
    /** Said while draining; the first reason, because it is the one that will not go away. */
    public static final String DRAINING = "draining: the server is shutting down";

    /** One thing readiness requires: empty while it holds, otherwise why not (one short sentence). */
    @FunctionalInterface
    public interface Condition {
        Optional<String> unmet();
    }

    /** What {@code /readyz} answers. */
    public sealed interface Verdict {
        record Ready() implements Verdict {
        }

        record NotReady(List<String> reasons) implements Verdict {
            public NotReady {
                reasons = List.copyOf(reasons);
            }
        }
    }

    private final List<Condition> conditions;
    private final AtomicBoolean draining = new AtomicBoolean();

    public Readiness(List<Condition> conditions) {
        this.conditions = List.copyOf(conditions);
    }

    public Verdict verdict() {
        List<String> reasons = new ArrayList<>();
        if (draining.get()) {
            reasons.add(DRAINING);
        }
        for (Condition c : conditions) {
            c.unmet().ifPresent(reasons::add);
        }
        return reasons.isEmpty() ? new Verdict.Ready() : new Verdict.NotReady(reasons);
    }

    /** Marks the replica draining; true only for the call that started it, so the drain is logged once. */
    public boolean startDraining() {
        return draining.compareAndSet(false, true);
    }

    public boolean draining() {
        return draining.get();
    }
}
