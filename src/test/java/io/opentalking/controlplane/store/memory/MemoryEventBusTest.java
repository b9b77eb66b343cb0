package io.opentalking.controlplane.store.memory;

import io.opentalking.controlplane.events.EventBus;
import io.opentalking.controlplane.events.SessionEvent;
import io.opentalking.controlplane.events.StoredEvent;
import io.opentalking.controlplane.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Live delivery of the memory bus: a closed subscription hears nothing, a new one after it hears everything. */
class MemoryEventBusTest {
    private final MemoryEventBus bus = new MemoryEventBus(MutableClock.atEpochPlusOneYear(), Duration.ofMinutes(10));

    @Test
    void aSubscriptionAfterTheLastOneClosedStillHearsEvents() {
        List<StoredEvent> old = new ArrayList<>();
        List<StoredEvent> fresh = new ArrayList<>();
        EventBus.Subscription first = bus.subscribe("s", old::add);
        first.close();
        first.close();
        EventBus.Subscription second = bus.subscribe("s", fresh::add);
        bus.publish("s", SessionEvent.queued("s", 1, "waiting"));
        assertThat(old).isEmpty();
        assertThat(fresh).extracting(StoredEvent::event).containsExactly(SessionEvent.queued("s", 1, "waiting"));
        second.close();
        bus.publish("s", SessionEvent.closed("s", "closed"));
        assertThat(fresh).hasSize(1);
    }
}
