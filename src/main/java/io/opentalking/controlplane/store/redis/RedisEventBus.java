package io.opentalking.controlplane.store.redis;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.opentalking.controlplane.events.EventBus;
import io.opentalking.controlplane.events.Listeners;
import io.opentalking.controlplane.events.SessionEvent;
import io.opentalking.controlplane.events.StoredEvent;
import io.opentalking.controlplane.faults.StoreException;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Session events in Redis: a capped stream per session for replay, pub/sub on {@code opentalking:events:<id>}
 * (upstream's channel, message {@code {"id","event","data"}}) for live delivery across replicas.
 */
final class RedisEventBus implements EventBus {
    private static final System.Logger LOG = System.getLogger(RedisEventBus.class.getName());
    private static final ObjectMapper JSON = RedisJson.MAPPER;
    private static final RedisCalls.Script PUBLISH = RedisCalls.Script.load("/redis/publish_event.lua");
    private static final Pattern STREAM_ID = Pattern.compile("\\d+-\\d+");

    private final RedisCalls calls;
    private final RedisConnections connections;
    private final Duration timeout;
    private final Duration ttl;
    private static final int RESUBSCRIBE_ATTEMPTS = 20;
    private static final Duration RESUBSCRIBE_PAUSE = Duration.ofMillis(100);

    private final Listeners listeners = new Listeners();
    private final Object lock = new Object();
    /** Set once the message listener is on the pub/sub connection (Lettuce keeps it across reconnects). */
    private final AtomicBoolean delivering = new AtomicBoolean();
    /** The pub/sub connection once it exists; null before, when there is nothing to send SUBSCRIBE on. */
    private volatile StatefulRedisPubSubConnection<String, String> attached;

    RedisEventBus(RedisCalls calls, RedisConnections connections, Duration timeout, Duration ttl) {
        this.calls = calls;
        this.connections = connections;
        this.timeout = timeout;
        this.ttl = ttl;
        connections.onPubSubReady(this::ready);
    }

    @Override
    public boolean publish(String sessionId, SessionEvent event) {
        try {
            String data = JSON.writeValueAsString(event.data());
            calls.script("event publish", PUBLISH, ScriptOutputType.VALUE, new String[]{RedisKeys.eventLog(sessionId)},
                    new String[]{RedisKeys.eventsChannel(sessionId), event.name(), data,
                            Long.toString((event.isFinal() ? FINAL_LOG_TTL : ttl).toSeconds()),
                            Integer.toString(LOG_LENGTH)}, timeout);
            return true;
        } catch (StoreException | IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not publish {0} for session {1}: {2}", event.name(),
                    sessionId, e.getMessage());
            return false;
        }
    }

    @Override
    public List<StoredEvent> since(String sessionId, String afterId) {
        String key = RedisKeys.eventLog(sessionId);
        try {
            List<StreamMessage<String, String>> msgs;
            if (afterId == null || !STREAM_ID.matcher(afterId).matches()) {
                msgs = calls.call("event replay", c -> c.xrevrange(key, Range.unbounded(), Limit.create(0, 1)), timeout);
            } else {
                msgs = calls.call("event replay", c -> c.xrange(key, Range.from(Range.Boundary.excluding(afterId),
                        Range.Boundary.unbounded())), timeout);
            }
            return msgs.stream().map(m -> stored(m.getId(), m.getBody().get("event"), m.getBody().get("data")))
                    .filter(java.util.Objects::nonNull).toList();
        } catch (StoreException e) {
            LOG.log(System.Logger.Level.DEBUG, "event replay failed for {0}: {1}", sessionId, e.getMessage());
            return List.of();
        }
    }

    @Override
    public Subscription subscribe(String sessionId, Consumer<StoredEvent> listener) {
        String channel = RedisKeys.eventsChannel(sessionId);
        List<CompletableFuture<Void>> sent = new ArrayList<>(1);
        // One lock for the listener sets, the SUBSCRIBE/UNSUBSCRIBE order on the wire and the (re)connect
        // resubscription, so none of them can interleave with another.
        synchronized (lock) {
            if (attached == null) {
                connections.pubsub().ifPresent(this::attach);
            }
            listeners.add(channel, listener, () -> send(channel, true).ifPresent(sent::add));
        }
        // Wait for Redis to confirm outside the lock: an event published right after this returns is seen.
        sent.forEach(f -> await(f, channel));
        return () -> {
            synchronized (lock) {
                listeners.remove(channel, listener, () -> send(channel, false));
            }
        };
    }

    /** (Un)subscribes one channel without waiting; nothing to send before the pub/sub connection is up. */
    private Optional<CompletableFuture<Void>> send(String channel, boolean subscribe) {
        StatefulRedisPubSubConnection<String, String> ps = attached;
        if (ps == null) {
            return Optional.empty();
        }
        try {
            return Optional.of((subscribe ? ps.async().subscribe(channel) : ps.async().unsubscribe(channel))
                    .toCompletableFuture());
        } catch (RuntimeException e) {
            // Disconnected: the resubscription on reconnect sends it.
            LOG.log(System.Logger.Level.DEBUG, "(un)subscribe {0} not sent: {1}", channel, e.getMessage());
            return Optional.empty();
        }
    }

    private void await(CompletableFuture<Void> f, String channels) {
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.DEBUG, "subscribe {0} failed: {1}", channels, e.getMessage());
        }
    }

    /**
     * The pub/sub connection is (re)connected: subscribe every channel that has a listener, including those
     * subscribed while it was down or not yet made. Retried briefly, as Lettuce may report the connection a
     * moment before it takes commands.
     */
    private void ready(StatefulRedisPubSubConnection<String, String> ps) {
        for (int attempt = 0; attempt < RESUBSCRIBE_ATTEMPTS && !connections.isClosed(); attempt++) {
            CompletableFuture<Void> f;
            synchronized (lock) {
                attach(ps);
                String[] channels = listeners.keys().toArray(String[]::new);
                if (channels.length == 0) {
                    return;
                }
                try {
                    f = ps.async().subscribe(channels).toCompletableFuture();
                } catch (RuntimeException e) {
                    f = CompletableFuture.failedFuture(e);
                }
            }
            try {
                f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException e) {
                LOG.log(System.Logger.Level.DEBUG, "resubscribe failed (attempt {0}): {1}", attempt + 1,
                        e.getMessage());
            }
            try {
                Thread.sleep(RESUBSCRIBE_PAUSE.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Puts the message listener on the connection once (Lettuce keeps it across reconnects). Under the lock. */
    private void attach(StatefulRedisPubSubConnection<String, String> ps) {
        if (delivering.compareAndSet(false, true)) {
            ps.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    deliver(channel, message);
                }
            });
        }
        attached = ps;
    }

    private void deliver(String channel, String message) {
        try {
            JsonNode n = JSON.readTree(message);
            StoredEvent e = stored(n.path("id").asText(), n.path("event").asText(), n.path("data").toString());
            if (e != null) {
                listeners.deliver(channel, e);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "unreadable event on {0}", channel);
        }
    }

    private static StoredEvent stored(String id, String name, String data) {
        if (id == null || name == null || data == null) {
            return null;
        }
        try {
            Map<String, Object> d = JSON.readValue(data, new TypeReference<>() {
            });
            return new StoredEvent(id, new SessionEvent(name, d));
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public int compareIds(String a, String b) {
        long[] x = split(a);
        long[] y = split(b);
        return x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1]);
    }

    private static long[] split(String id) {
        try {
            int dash = id.indexOf('-');
            return dash < 0 ? new long[]{Long.parseLong(id), 0}
                    : new long[]{Long.parseLong(id.substring(0, dash)), Long.parseLong(id.substring(dash + 1))};
        } catch (RuntimeException e) {
            return new long[]{-1, -1};
        }
    }
}
