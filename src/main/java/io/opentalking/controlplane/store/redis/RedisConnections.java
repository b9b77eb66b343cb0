package io.opentalking.controlplane.store.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.connection.ReconnectFailedEvent;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.opentalking.controlplane.config.StoreConfig;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The Redis client and its three connections (commands, pub/sub, and one for the status hash's replica-local copy,
 * whose invalidation notices must arrive in order with its own replies). Connecting happens in the background and is
 * retried, so no request ever waits for a connect: until connected, calls fail at once. Commands fail fast
 * while disconnected (no buffering) and every command has a timeout.
 */
final class RedisConnections implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RedisConnections.class.getName());
    private static final Duration RETRY = Duration.ofMillis(500);

    private final RedisClient client;
    private final io.lettuce.core.resource.ClientResources resources;
    private final RedisURI uri;
    private final StoreConfig cfg;
    private volatile StatefulRedisConnection<String, String> commands;
    private volatile StatefulRedisPubSubConnection<String, String> pubsub;
    private volatile StatefulRedisConnection<String, String> status;
    private final CompletableFuture<Void> firstConnect = new CompletableFuture<>();
    /** Completed when the first connect attempt has ended, connected or not. */
    private final CompletableFuture<Void> firstAttempt = new CompletableFuture<>();
    private volatile String lastError = "not connected to Redis yet";
    /** The connection state last written to the log, so that each change is logged once. */
    private String loggedState;
    private final Object logLock = new Object();
    private final reactor.core.Disposable reconnectFailures;
    private volatile boolean closed;
    private volatile Thread connector;
    /** A connector thread is running (it clears this, under the lock, when every connection is made). */
    private boolean connecting = true;
    /** Sentinel only: one pub/sub connection per sentinel, listening for "+switch-master". */
    private final List<StatefulRedisPubSubConnection<String, String>> sentinelWatches = new CopyOnWriteArrayList<>();
    /** The primary address last followed after a "+switch-master" (each sentinel sends the same notice). */
    private String followedPrimary = "";
    /** Told, on a thread of their own, each time the pub/sub connection is (re)connected. */
    private final List<Consumer<StatefulRedisPubSubConnection<String, String>>> pubsubReady =
            new CopyOnWriteArrayList<>();
    /** The same for the status connection. */
    private final List<Consumer<StatefulRedisConnection<String, String>>> statusReady = new CopyOnWriteArrayList<>();

    RedisConnections(StoreConfig cfg) {
        this.cfg = cfg;
        this.uri = RedisURI.create(cfg.redisUrl().orElseThrow().toString());
        uri.setTimeout(cfg.commandTimeout());
        // Reconnect quickly after an outage: Lettuce's default backoff doubles up to 30 s, which kept the server
        // answering 503 for seconds after Redis was back.
        this.resources = io.lettuce.core.resource.ClientResources.builder()
                .reconnectDelay(io.lettuce.core.resource.Delay.exponential(Duration.ofMillis(50), Duration.ofMillis(500),
                        2, java.util.concurrent.TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(cfg.commandTimeout()))
                .socketOptions(SocketOptions.builder().connectTimeout(cfg.connectTimeout()).build())
                .build());
        // Lettuce's own reconnect messages are quieted (Main): the failures are told here, once per reason.
        this.reconnectFailures = resources.eventBus().get()
                .filter(ReconnectFailedEvent.class::isInstance)
                .subscribe(ev -> {
                    if (closed) {
                        return;
                    }
                    lastError = RedisErrors.describe(((ReconnectFailedEvent) ev).getCause());
                    logState(System.Logger.Level.WARNING, "not connected to " + cfg.describe() + ": " + lastError);
                });
        this.connector = Thread.ofVirtual().name("redis-connect").start(this::connectLoop);
        // One watcher per sentinel: one that is down must not keep the others from being watched.
        for (RedisURI sentinel : uri.getSentinels()) {
            Thread.ofVirtual().name("redis-sentinel-watch").start(() -> watchSentinel(sentinel));
        }
    }

    /**
     * A manual failover (or a primary that is only unreachable from the sentinels) leaves the old primary running:
     * the connections would stay on it, writing into data its resync throws away, until Sentinel demotes it and it
     * cuts its clients (~10 s: Sentinel's INFO period). Each sentinel announces the promotion on "+switch-master"
     * at once; on it, every connection is re-made, which asks the sentinels for the primary again.
     */
    private void watchSentinel(RedisURI sentinel) {
        while (!closed) {
            try {
                RedisURI node = RedisURI.builder(sentinel).withTimeout(cfg.commandTimeout()).build();
                StatefulRedisPubSubConnection<String, String> w = client.connectPubSub(StringCodec.UTF8, node);
                w.addListener(new io.lettuce.core.pubsub.RedisPubSubAdapter<>() {
                    @Override
                    public void message(String channel, String message) {
                        onSwitchMaster(message);
                    }
                });
                w.sync().subscribe("+switch-master");
                sentinelWatches.add(w);
                return;
            } catch (RuntimeException e) {
                // A sentinel down now: Lettuce finds the primary through the others; try this one again later.
                LOG.log(System.Logger.Level.DEBUG, "sentinel watch not connected: {0}", RedisErrors.describe(e));
                try {
                    Thread.sleep(RETRY.toMillis() * 4);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** "{@code <master name> <old ip> <old port> <new ip> <new port>}". */
    private void onSwitchMaster(String message) {
        String[] f = message.split(" ");
        if (closed || f.length != 5 || !f[0].equals(uri.getSentinelMasterId())) {
            return;
        }
        String primary = f[3] + ":" + f[4];
        synchronized (this) {
            if (primary.equals(followedPrimary)) {
                return;
            }
            followedPrimary = primary;
        }
        // Off the event loop: closing connections there would wait on itself.
        Thread.ofVirtual().name("redis-follow-primary").start(() -> follow(primary));
    }

    /**
     * Drops every connection and starts a connector, which asks the sentinels for the primary again. The old
     * connections are closed without waiting and outside the lock: their close runs listeners on Lettuce's event
     * loop that take locks of their own, and waiting for them here under this lock dead-locked one replica in the
     * fault checker (it stayed disconnected after the failover).
     */
    private void follow(String primary) {
        List<StatefulConnection<String, String>> old = new java.util.ArrayList<>();
        boolean startConnector;
        synchronized (this) {
            if (closed) {
                return;
            }
            if (commands != null) {
                old.add(commands);
            }
            if (pubsub != null) {
                old.add(pubsub);
            }
            if (status != null) {
                old.add(status);
            }
            commands = null;
            pubsub = null;
            status = null;
            startConnector = !connecting;
            connecting = true;
        }
        LOG.log(System.Logger.Level.INFO, "store: Sentinel promoted {0} for {1}; reconnecting to it", primary,
                uri.getSentinelMasterId());
        old.forEach(StatefulConnection::closeAsync);
        if (startConnector) {
            connector = Thread.ofVirtual().name("redis-connect").start(this::connectLoop);
        }
    }

    private void connectLoop() {
        int races = 0;
        while (!closed && (commands == null || pubsub == null || status == null)) {
            try {
                if (commands == null) {
                    StatefulRedisConnection<String, String> c = client.connect(StringCodec.UTF8, uri);
                    c.addListener(new RedisConnectionStateListener() {
                        @Override
                        public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                            logState(System.Logger.Level.INFO, "connected to " + cfg.describe());
                        }

                        @Override
                        public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                            if (!closed) {
                                logState(System.Logger.Level.WARNING, "lost the connection to " + cfg.describe()
                                        + "; reconnecting");
                            }
                        }
                    });
                    commands = c;
                }
                if (pubsub == null) {
                    StatefulRedisPubSubConnection<String, String> ps = client.connectPubSub(StringCodec.UTF8, uri);
                    ps.addListener(announcer(pubsubReady, ps));
                    pubsub = ps;
                    announce(pubsubReady, ps);
                }
                if (status == null) {
                    StatefulRedisConnection<String, String> st = client.connect(StringCodec.UTF8, uri);
                    st.addListener(announcer(statusReady, st));
                    status = st;
                    announce(statusReady, st);
                }
                synchronized (this) {
                    if (commands == null || pubsub == null || status == null) {
                        continue;   // a failover notice dropped them meanwhile: connect to the new primary
                    }
                    connecting = false;
                }
                firstConnect.complete(null);
                firstAttempt.complete(null);
                logState(System.Logger.Level.INFO, "connected to " + cfg.describe());
                return;
            } catch (RuntimeException | LinkageError e) {
                if (e instanceof LinkageError) {
                    // A broken build (e.g. a wrong Netty); say so loudly, then keep trying.
                    LOG.log(System.Logger.Level.ERROR, "redis connect failed: {0}", String.valueOf(e));
                }
                if (closed) {
                    // close() interrupted the attempt: that is no news about the store.
                    return;
                }
                if (RedisErrors.isHandshakeRace(e) && races++ < 3) {
                    // Retry at once (a few times): the attempt's answer should be the store's real reason.
                    continue;
                }
                races = 0;
                lastError = RedisErrors.describe(e);
                logState(System.Logger.Level.WARNING, "not connected to " + cfg.describe() + ": " + lastError);
                firstAttempt.complete(null);
                try {
                    Thread.sleep(RETRY.toMillis());
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
        synchronized (this) {
            connecting = false;
        }
    }

    /** Logs the store's connection state when it differs from the one logged last (retries repeat it). */
    private void logState(System.Logger.Level level, String state) {
        // Its own lock: Lettuce calls this from its event loop, which must never wait on the connections' lock.
        synchronized (logLock) {
            if (state.equals(loggedState)) {
                return;
            }
            loggedState = state;
        }
        LOG.log(level, "store {0}", state);
    }

    /**
     * Calls {@code ready} each time the pub/sub connection is connected: at once if it is already, after the
     * first connect, and after every reconnect. Calls may repeat; {@code ready} must be idempotent.
     */
    void onPubSubReady(Consumer<StatefulRedisPubSubConnection<String, String>> ready) {
        whenReady(pubsubReady, pubsub, ready);
    }

    /** As {@link #onPubSubReady}, for the status connection. */
    void onStatusReady(Consumer<StatefulRedisConnection<String, String>> ready) {
        whenReady(statusReady, status, ready);
    }

    private static <C> void whenReady(List<Consumer<C>> to, C current, Consumer<C> ready) {
        to.add(ready);
        if (current != null) {
            Thread.ofVirtual().name("redis-ready").start(() -> ready.accept(current));
        }
    }

    private <C> RedisConnectionStateListener announcer(List<Consumer<C>> to, C connection) {
        return new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
                announce(to, connection);
            }
        };
    }

    /** Off the event loop: Lettuce calls connection listeners there, and the callbacks send commands and wait. */
    private <C> void announce(List<Consumer<C>> to, C connection) {
        if (closed) {
            return;
        }
        Thread.ofVirtual().name("redis-ready").start(() -> to.forEach(r -> r.accept(connection)));
    }

    boolean isClosed() {
        return closed;
    }

    /** Waits up to {@code max} for the first connection, for start-up banners and the doctor. */
    boolean awaitConnected(Duration max) {
        try {
            firstConnect.get(max.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Waits up to {@code max} until the first connect attempt has ended, successfully or not. Unlike
     * {@link #awaitConnected}, this does not give up on a reachable Redis while the client is still starting
     * (seconds in a cold JVM), and returns as soon as a refused connection is known.
     */
    void awaitFirstAttempt(Duration max) {
        try {
            firstAttempt.get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // still connecting after max: the caller reports it as not connected
        }
    }

    /** Why the last connect attempt failed. */
    String lastError() {
        return lastError;
    }

    Optional<StatefulRedisConnection<String, String>> commands() {
        return Optional.ofNullable(commands);
    }

    Optional<StatefulRedisPubSubConnection<String, String>> pubsub() {
        return Optional.ofNullable(pubsub);
    }

    StoreConfig config() {
        return cfg;
    }

    @Override
    public void close() {
        closed = true;
        reconnectFailures.dispose();
        connector.interrupt();
        StatefulRedisConnection<String, String> c = commands;
        if (c != null) {
            c.close();
        }
        StatefulRedisPubSubConnection<String, String> p = pubsub;
        if (p != null) {
            p.close();
        }
        StatefulRedisConnection<String, String> st = status;
        if (st != null) {
            st.close();
        }
        sentinelWatches.forEach(StatefulRedisPubSubConnection::close);
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS);
    }
}
