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
import io.opentalking.controlplane.events.SessionEvent;
import io.opentalking.controlplane.events.StoredEvent;
import io.opentalking.controlplane.faults.StoreException;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Session events in Redis: a capped stream per session for replay, pub/sub on {@code opentalking:events:<id>}
 * (upstream's channel, message {@code {"id","event","data"}}) for live delivery across replicas.
 */
final class RedisEventBus implements EventBus {
    private static final System.Logger LOG = System.getLogger(RedisEventBus.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RedisCalls.Script PUBLISH = RedisCalls.Script.load("/redis/publish_event.lua");
    private static final Pattern STREAM_ID = Pattern.compile("\\d+-\\d+");
    private static final int LOG_LENGTH = 64;

    private final RedisCalls calls;
    private final RedisConnections connections;
    private final Duration timeout;
    private final Duration ttl;
    private final Map<String, Set<Consumer<StoredEvent>>> listeners = new ConcurrentHashMap<>();
    private volatile StatefulRedisPubSubConnection<String, String> attached;

    RedisEventBus(RedisCalls calls, RedisConnections connections, Duration timeout, Duration ttl) {
        this.calls = calls;
        this.connections = connections;
        this.timeout = timeout;
        this.ttl = ttl;
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
        boolean first = listeners.computeIfAbsent(channel, k -> new CopyOnWriteArraySet<>()).add(listener)
                && listeners.get(channel).size() == 1;
        StatefulRedisPubSubConnection<String, String> ps = attach();
        if (first && ps != null) {
            try {
                ps.async().subscribe(channel).toCompletableFuture().get(timeout.toMillis(),
                        java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                LOG.log(System.Logger.Level.DEBUG, "subscribe {0} failed: {1}", channel, e.getMessage());
            }
        }
        return () -> listeners.computeIfPresent(channel, (k, set) -> {
            set.remove(listener);
            if (set.isEmpty()) {
                StatefulRedisPubSubConnection<String, String> p = attached;
                if (p != null) {
                    p.async().unsubscribe(channel);
                }
                return null;
            }
            return set;
        });
    }

    /** Adds our listener to the pub/sub connection once it exists, and subscribes channels opened before. */
    private synchronized StatefulRedisPubSubConnection<String, String> attach() {
        if (attached != null) {
            return attached;
        }
        StatefulRedisPubSubConnection<String, String> ps = connections.pubsub().orElse(null);
        if (ps == null) {
            return null;
        }
        ps.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                deliver(channel, message);
            }
        });
        attached = ps;
        if (!listeners.isEmpty()) {
            ps.async().subscribe(listeners.keySet().toArray(String[]::new));
        }
        return ps;
    }

    private void deliver(String channel, String message) {
        Set<Consumer<StoredEvent>> set = listeners.get(channel);
        if (set == null) {
            return;
        }
        try {
            JsonNode n = JSON.readTree(message);
            StoredEvent e = stored(n.path("id").asText(), n.path("event").asText(), n.path("data").toString());
            if (e != null) {
                set.forEach(l -> l.accept(e));
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
