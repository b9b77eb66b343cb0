package io.opentalking.controlplane;

import io.opentalking.controlplane.config.AppConfig;
import io.opentalking.controlplane.store.memory.MemoryEventBus;
import io.opentalking.controlplane.store.memory.MemorySessionRepository;
import io.opentalking.controlplane.store.memory.MemorySlotStore;
import io.opentalking.controlplane.store.redis.RedisStores;

import java.time.Clock;

/** Opens the configured store. The only place that knows the Redis implementation exists. */
final class StoreFactory {
    private StoreFactory() {
    }

    static Stores open(AppConfig cfg, Clock clock) {
        return switch (cfg.store().mode()) {
            case MEMORY -> {
                MemorySlotStore slots = new MemorySlotStore(clock);
                yield new Stores(slots, slots, new MemorySessionRepository(clock),
                        new MemoryEventBus(clock, cfg.sessionTtl()),
                        () -> new Stores.StoreCheck.Result(true, "embedded memory store"), () -> {
                });
            }
            case REDIS -> RedisStores.open(cfg.store(), cfg.sessionTtl());
        };
    }
}
