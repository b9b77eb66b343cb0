package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.store.redis.RedisStores;
import io.opentalking.controlplane.config.QueueConfig;
import io.opentalking.controlplane.events.EventBus;
import io.opentalking.controlplane.testing.RedisServerProcess;

import java.time.Clock;

/** One server replica as far as the queue goes: its own Redis client and its own {@link SlotQueue}. */
final class Replica implements AutoCloseable {
    final String name;
    final RedisStores stores;
    final SlotQueue queue;
    private boolean storeClosed;

    Replica(String name, RedisServerProcess redis, QueueConfig cfg, EventBus events) {
        this.name = name;
        this.stores = RedisFixtures.open(redis);
        this.queue = new SlotQueue(stores.slots(), cfg, events, Clock.systemUTC());
    }

    /** The replica loses Redis for good (as if its process or network died): no leave, no renew from now on. */
    void cutOffFromRedis() {
        storeClosed = true;
        RedisFixtures.close(stores);
    }

    @Override
    public void close() {
        if (!storeClosed) {
            queue.close();
            RedisFixtures.close(stores);
        } else {
            queue.close();
        }
    }
}
