package io.opentalking.controlplane.store.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
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
    private final reactor.core.Disposable reconnectFailures;
    private volatile boolean closed;
    private final Thread connector;
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
    }

    /** Logs the store's connection state when it differs from the one logged last (retries repeat it). */
    private void logState(System.Logger.Level level, String state) {
        synchronized (this) {
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
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS);
    }
}
