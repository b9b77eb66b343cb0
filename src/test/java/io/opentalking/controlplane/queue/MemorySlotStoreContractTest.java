package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.store.memory.MemorySlotStore;
import org.junit.jupiter.api.BeforeEach;

import java.time.Clock;
import java.util.Map;

/** The slot store contract against the embedded memory store. */
class MemorySlotStoreContractTest extends SlotStoreContract {
    private MemorySlotStore store;

    @BeforeEach
    void fresh() {
        store = new MemorySlotStore(Clock.systemUTC());
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
    protected Map<String, String> rawStatusHash() {
        return store.statusHash();
    }

    @Override
    protected QueueStatusReader.Source source() {
        return QueueStatusReader.Source.MEMORY;
    }
}
