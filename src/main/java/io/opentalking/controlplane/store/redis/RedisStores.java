package io.opentalking.controlplane.store.redis;

import io.opentalking.controlplane.config.StoreConfig;
import io.opentalking.controlplane.events.EventBus;
import io.opentalking.controlplane.faults.StoreException;
import io.opentalking.controlplane.faults.StoreReplyException;
import io.opentalking.controlplane.faults.StoreUnavailableException;
import io.opentalking.controlplane.queue.QueueStatusReader;
import io.opentalking.controlplane.queue.SlotStore;
import io.opentalking.controlplane.sessions.SessionRepository;

import java.time.Duration;

/** The Redis-backed store pieces over one client; closing it closes the client. */
public final class RedisStores implements AutoCloseable {
    private static final Duration FIRST_CONNECT_ALLOWANCE = Duration.ofSeconds(10);
    /**
     * The most a {@code /queue/status} answer may lag the hash in Redis. Changes normally arrive within a round
     * trip (tracking notices); the bound holds even when notices are lost, as an older copy is never served.
     */
    public static final Duration STATUS_MAX_AGE = Duration.ofMillis(50);

    private final StoreConfig cfg;
    private final RedisConnections connections;
    private final RedisCalls calls;
    private final RedisSlotStore slots;
    private final RedisSessionRepository sessions;
    private final RedisEventBus events;
    private final QueueStatusReader status;

    private RedisStores(StoreConfig cfg, Duration sessionTtl) {
        this.cfg = cfg;
        this.connections = new RedisConnections(cfg);
        this.calls = new RedisCalls(connections);
        this.slots = new RedisSlotStore(calls, cfg.commandTimeout(), cfg.readTimeout(), cfg.replicaAckTimeout());
        this.sessions = new RedisSessionRepository(calls, cfg.commandTimeout());
        this.events = new RedisEventBus(calls, connections, cfg.commandTimeout(), sessionTtl);
        StatusCopy copy = new StatusCopy(STATUS_MAX_AGE, System::nanoTime);
        StatusTracking tracking = new StatusTracking(connections, copy, cfg.readTimeout(), cfg.commandTimeout());
        this.status = new MirroredStatusReader(copy, tracking::refreshIfIdle, slots);
        slots.afterEachStep(copy::drop);
    }

    /** Starts connecting and waits up to the connect timeout for it; calls fail fast until connected. */
    public static RedisStores open(StoreConfig cfg, Duration sessionTtl) {
        RedisStores r = new RedisStores(cfg, sessionTtl);
        r.connections.awaitConnected(cfg.connectTimeout());
        return r;
    }

    public SlotStore slots() {
        return slots;
    }

    /** The replica-local copy of the status hash (at most {@link #STATUS_MAX_AGE} old), else a read of Redis. */
    public QueueStatusReader status() {
        return status;
    }

    public SessionRepository sessions() {
        return sessions;
    }

    public EventBus events() {
        return events;
    }

    /** PINGs Redis; returns how it answered, throws a {@link StoreException} saying why not. */
    public String ping() {
        // The first connect includes starting the client, which can take longer than the connect timeout in
        // a cold JVM: wait for that attempt to end instead of calling a reachable Redis unreachable.
        connections.awaitFirstAttempt(cfg.connectTimeout().plus(FIRST_CONNECT_ALLOWANCE));
        if (connections.commands().isEmpty()) {
            throw StoreUnavailableException.failed(cfg.describe(), "ping",
                    new IllegalStateException("not connected (" + connections.lastError() + ")"));
        }
        String pong = calls.call("ping", c -> c.ping(), cfg.commandTimeout());
        if (!"PONG".equals(pong)) {
            throw StoreReplyException.unreadable(cfg.describe(), "ping", "answered " + pong, null);
        }
        return cfg.describe() + " answered " + pong;
    }

    @Override
    public void close() {
        connections.close();
    }
}
