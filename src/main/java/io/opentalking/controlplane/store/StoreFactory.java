package io.opentalking.controlplane.store;

import io.opentalking.controlplane.config.AppConfig;
import io.opentalking.controlplane.faults.StoreException;
import io.opentalking.controlplane.store.memory.MemoryEventBus;
import io.opentalking.controlplane.store.memory.MemorySessionRepository;
import io.opentalking.controlplane.store.memory.MemorySlotStore;
import io.opentalking.controlplane.store.redis.RedisStores;

import java.time.Clock;

/** Opens the configured store. The only place that knows the Redis implementation exists. */
public final class StoreFactory {
    private StoreFactory() {
    }

    public static Stores open(AppConfig cfg, Clock clock) {
        return switch (cfg.store().mode()) {
            case MEMORY -> {
                MemorySlotStore slots = new MemorySlotStore(clock);
                yield new Stores(slots, slots, new MemorySessionRepository(clock),
                        new MemoryEventBus(clock, cfg.sessionTtl()),
                        () -> new Stores.StoreCheck.Result(true, "embedded memory store"), () -> {
                });
            }
            case REDIS -> redis(RedisStores.open(cfg.store(), cfg.sessionTtl()));
        };
    }

    /** The Redis pieces as {@link Stores}; store.redis does not know this record, so it cannot cycle back here. */
    static Stores redis(RedisStores r) {
        Stores.StoreCheck check = () -> {
            try {
                return new Stores.StoreCheck.Result(true, r.ping());
            } catch (StoreException e) {
                return new Stores.StoreCheck.Result(false, e.getMessage());
            }
        };
        return new Stores(r.slots(), r.status(), r.sessions(), r.events(), check, r);
    }
}
