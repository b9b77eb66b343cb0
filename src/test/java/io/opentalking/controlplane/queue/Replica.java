package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.store.redis.RedisStores;
import io.opentalking.controlplane.config.QueueConfig;
import io.opentalking.controlplane.events.EventBus;
import io.opentalking.controlplane.testing.RedisServerProcess;

import java.time.Clock;
import java.util.Map;

/** One server replica as far as the queue goes: its own Redis client and its own {@link SlotQueue}. */
final class Replica implements AutoCloseable {
    final String name;
    final RedisStores stores;
    final SlotQueue queue;
    private boolean storeClosed;

    /** A replica whose sessions need no records: the queue ITs enqueue bare ids. */
    Replica(String name, RedisServerProcess redis, QueueConfig cfg, EventBus events) {
        this(name, redis, cfg, events, false);
    }

    /** With {@code checkRecords}, renewals give back sessions whose record is gone, as in the server. */
    Replica(String name, RedisServerProcess redis, QueueConfig cfg, EventBus events, boolean checkRecords) {
        this.name = name;
        this.stores = RedisFixtures.open(redis);
        SessionRecords records = checkRecords ? stores.sessions() : ids -> Map.of();
        this.queue = new SlotQueue(stores.slots(), records, cfg, events, Clock.systemUTC());
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
