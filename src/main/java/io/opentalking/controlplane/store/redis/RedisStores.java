package io.opentalking.controlplane.store.redis;

import io.opentalking.controlplane.Stores;
import io.opentalking.controlplane.config.StoreConfig;

import java.time.Duration;

/** Opens the Redis-backed store pieces over one client. */
public final class RedisStores {
    private static final Duration FIRST_CONNECT_ALLOWANCE = Duration.ofSeconds(10);
    private RedisStores() {
    }

    public static Stores open(StoreConfig cfg, Duration sessionTtl) {
        RedisConnections connections = new RedisConnections(cfg);
        RedisCalls calls = new RedisCalls(connections);
        RedisSlotStore slots = new RedisSlotStore(calls, cfg.commandTimeout(), cfg.readTimeout());
        Stores.StoreCheck check = () -> {
            // The first connect includes starting the client, which can take longer than the connect timeout in
            // a cold JVM: wait for that attempt to end instead of calling a reachable Redis unreachable.
            connections.awaitFirstAttempt(cfg.connectTimeout().plus(FIRST_CONNECT_ALLOWANCE));
            if (connections.commands().isEmpty()) {
                return new Stores.StoreCheck.Result(false, cfg.describe() + ": not connected ("
                        + connections.lastError() + ")");
            }
            try {
                String pong = calls.call(c -> c.ping(), cfg.commandTimeout());
                return new Stores.StoreCheck.Result("PONG".equals(pong), cfg.describe() + " answered " + pong);
            } catch (RedisCalls.Failure e) {
                return new Stores.StoreCheck.Result(false, cfg.describe() + ": " + e.getMessage());
            }
        };
        connections.awaitConnected(cfg.connectTimeout());
        return new Stores(slots, slots, new RedisSessionRepository(calls, cfg.commandTimeout()),
                new RedisEventBus(calls, connections, cfg.commandTimeout(), sessionTtl), check, connections);
    }
}
