package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.store.redis.RedisStores;
import io.opentalking.controlplane.config.QueueConfig;
import io.opentalking.controlplane.events.EventBus;
import io.opentalking.controlplane.testing.RedisServerProcess;

import io.opentalking.controlplane.sessions.Session;
import io.opentalking.controlplane.sessions.SessionState;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
        GrantRecords told = new GrantRecords();
        SessionRecords records = checkRecords ? stores.sessions() : told;
        this.queue = new SlotQueue(stores.slots(), records, cfg, events, Clock.systemUTC());
        if (!checkRecords) {
            queue.addListener(told);
        }
    }

    /**
     * Records for bare ids, as SessionService keeps them: a session told of its grant stands GRANTED until its
     * next change, every other one QUEUED.
     */
    private static final class GrantRecords implements SessionRecords, QueueListener {
        private final Set<String> granted = ConcurrentHashMap.newKeySet();

        @Override
        public Map<String, Standing> standing(Collection<String> ids) {
            Map<String, Standing> out = new HashMap<>();
            ids.forEach(id -> out.put(id, granted.contains(id) ? Standing.GRANTED : Standing.QUEUED));
            return out;
        }

        @Override
        public void onAdmission(String sessionId, Admission a) {
            if (a instanceof Admission.Granted) {
                granted.add(sessionId);
            }
        }

        @Override
        public void onChange(QueueChange c) {
            switch (c) {
                case QueueChange.Granted g -> granted.add(g.sessionId());
                case QueueChange.Holding h -> granted.add(h.sessionId());
                case QueueChange.Expiring e -> {
                }
                default -> granted.remove(c.sessionId());
            }
        }
    }

    /** Writes a queued record for {@code id}, as POST /sessions does before asking the queue; returns the id. */
    String session(String id) {
        stores.sessions().create(new Session(id, "flashtalk", "demo-avatar", SessionState.QUEUED, Instant.now(),
                Instant.now(), "", Map.of()), Duration.ofMinutes(10));
        return id;
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
