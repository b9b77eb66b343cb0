package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.store.memory.MemorySlotStore;
import io.opentalking.controlplane.testing.MutableClock;
import org.junit.jupiter.api.BeforeEach;

import java.time.Duration;
import java.util.Optional;

/** The slot store contract against the embedded memory store, on a test clock: no test waits. */
class MemorySlotStoreContractTest extends SlotStoreContract {
    private MutableClock clock;
    private MemorySlotStore store;

    @BeforeEach
    void fresh() {
        clock = MutableClock.atEpochPlusOneYear();
        store = new MemorySlotStore(clock);
    }

    @Override
    protected SlotStore store() {
        return store;
    }

    @Override
    protected QueueStatusReader reader() {
        return store;
    }

    @Override
    protected Optional<StoredStatus> storedStatus() {
        return store.status().map(s -> new StoredStatus(s.slotOccupied(), s.queueSize(), s.slotsInUse(),
                s.slotsTotal(), s.updatedAtMs()));
    }

    @Override
    protected QueueStatusReader.Source source() {
        return QueueStatusReader.Source.MEMORY;
    }

    @Override
    protected void pass(Duration d) {
        clock.advance(d);
    }

    @Override
    protected long nowMs() {
        return clock.millis();
    }
}
