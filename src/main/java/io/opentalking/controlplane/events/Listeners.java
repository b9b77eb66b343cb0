package io.opentalking.controlplane.events;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

/**
 * Live event listeners by key (a session id or a channel). Adding and removing are one atomic step per key, and a
 * hook runs inside that step when a key gets its first listener or loses its last, so a bus can (un)subscribe
 * upstream in the same order as the changes: no separate size check to race with, no listener left in a set
 * that a concurrent removal already dropped.
 */
public final class Listeners {
    private final Map<String, Set<Consumer<StoredEvent>>> byKey = new ConcurrentHashMap<>();

    /** Adds {@code l}; runs {@code onFirst} inside the step when {@code key} had no listener. */
    public void add(String key, Consumer<StoredEvent> l, Runnable onFirst) {
        byKey.compute(key, (k, set) -> {
            Set<Consumer<StoredEvent>> s = set;
            if (s == null) {
                onFirst.run();
                s = new CopyOnWriteArraySet<>();
            }
            s.add(l);
            return s;
        });
    }

    /** Removes {@code l}; runs {@code onLast} inside the step when it was the key's last listener. Idempotent. */
    public void remove(String key, Consumer<StoredEvent> l, Runnable onLast) {
        byKey.computeIfPresent(key, (k, s) -> {
            if (s.remove(l) && s.isEmpty()) {
                onLast.run();
            }
            return s.isEmpty() ? null : s;
        });
    }

    /** Hands {@code e} to every listener of {@code key} now. */
    public void deliver(String key, StoredEvent e) {
        for (Consumer<StoredEvent> l : byKey.getOrDefault(key, Set.of())) {
            l.accept(e);
        }
    }

    /** The keys that have at least one listener. */
    public Set<String> keys() {
        return Set.copyOf(byKey.keySet());
    }
}
