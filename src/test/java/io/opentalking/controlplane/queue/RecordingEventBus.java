package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.events.EventBus;
import io.opentalking.controlplane.events.SessionEvent;
import io.opentalking.controlplane.events.StoredEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** An event bus that only records what was published, shared by the test's "replicas". */
final class RecordingEventBus implements EventBus {
    private final List<StoredEvent> all = new CopyOnWriteArrayList<>();
    private final AtomicLong seq = new AtomicLong();

    @Override
    public boolean publish(String sessionId, SessionEvent event) {
        all.add(new StoredEvent(Long.toString(seq.incrementAndGet()), event));
        return true;
    }

    @Override
    public List<StoredEvent> since(String sessionId, String afterId) {
        return List.of();
    }

    @Override
    public Subscription subscribe(String sessionId, Consumer<StoredEvent> listener) {
        return () -> {
        };
    }

    @Override
    public int compareIds(String a, String b) {
        return Long.compare(Long.parseLong(a), Long.parseLong(b));
    }

    /** Every event published for this session, in order. */
    List<SessionEvent> of(String sessionId) {
        List<SessionEvent> out = new ArrayList<>();
        for (StoredEvent e : all) {
            if (sessionId.equals(e.event().data().get("session_id"))) {
                out.add(e.event());
            }
        }
        return out;
    }
}
