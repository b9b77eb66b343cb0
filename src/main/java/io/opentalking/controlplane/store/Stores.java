package io.opentalking.controlplane.store;

import io.opentalking.controlplane.events.EventBus;
import io.opentalking.controlplane.queue.QueueStatusReader;
import io.opentalking.controlplane.queue.SlotStore;
import io.opentalking.controlplane.sessions.SessionRepository;

/** The store-backed pieces, from one store (memory or Redis), and a check that the store answers. */
public record Stores(SlotStore slots, QueueStatusReader status, SessionRepository sessions, EventBus events,
                     StoreCheck check, AutoCloseable closer) {
    /** Does the store answer? {@code detail} says how or why not. */
    public interface StoreCheck {
        Result check();

        record Result(boolean ok, String detail) {
        }
    }
}
