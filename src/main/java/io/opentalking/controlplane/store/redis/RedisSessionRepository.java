package io.opentalking.controlplane.store.redis;

import io.lettuce.core.ScriptOutputType;
import io.opentalking.controlplane.faults.StoreReplyException;
import io.opentalking.controlplane.sessions.Session;
import io.opentalking.controlplane.sessions.SessionRepository;
import io.opentalking.controlplane.sessions.SessionState;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** Session records as Redis hashes {@code opentalking:session:<id>} with a TTL; transitions are Lua scripts. */
final class RedisSessionRepository implements SessionRepository {
    private static final RedisCalls.Script CREATE = RedisCalls.Script.load("/redis/session_create.lua");
    private static final RedisCalls.Script TRANSITION = RedisCalls.Script.load("/redis/session_transition.lua");
    private static final Set<String> CORE = Set.of("session_id", "model", "avatar_id", "state", "created_at",
            "updated_at", "reason");

    private final RedisCalls calls;
    private final Duration timeout;

    RedisSessionRepository(RedisCalls calls, Duration timeout) {
        this.calls = calls;
        this.timeout = timeout;
    }

    @Override
    public void create(Session s, Duration ttl) {
        List<String> args = new ArrayList<>(List.of(Long.toString(ttl.toMillis())));
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("session_id", s.id());
        fields.put("model", s.model());
        fields.put("avatar_id", s.avatarId());
        fields.put("state", s.state().wireName());
        fields.put("created_at", s.createdAt().toString());
        fields.put("updated_at", s.updatedAt().toString());
        fields.put("reason", s.stateReason());
        s.options().forEach(fields::putIfAbsent);
        fields.forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        calls.script("session create", CREATE, ScriptOutputType.INTEGER, new String[]{RedisKeys.session(s.id())},
                args.toArray(String[]::new), timeout);
    }

    @Override
    public Optional<Session> find(String id) {
        try {
            Map<String, String> h = calls.call("session find", c -> c.hgetall(RedisKeys.session(id)), timeout);
            return toSession(id, h);
        } catch (StoreReplyException e) {
            // A key of another type under our name is not a session (upstream data or a hand-made key).
            if (String.valueOf(e.getMessage()).contains("WRONGTYPE")) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public Optional<Session> transition(String id, Set<SessionState> from, SessionState to, String reason,
                                        Duration ttl) {
        List<String> args = new ArrayList<>(List.of(to.wireName(), reason, Instant.now().toString(),
                Long.toString(ttl.toMillis())));
        from.forEach(s -> args.add(s.wireName()));
        List<Object> flat = calls.script("session transition", TRANSITION, ScriptOutputType.MULTI,
                new String[]{RedisKeys.session(id)}, args.toArray(String[]::new), timeout);
        if (flat == null || flat.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> h = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            h.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
        }
        return toSession(id, h);
    }

    /** One pipelined HGET of the state per session, all under one deadline (a renewal, not a request, waits). */
    @Override
    public Map<String, Standing> standing(Collection<String> ids) {
        Map<String, CompletableFuture<String>> states = new LinkedHashMap<>();
        for (String id : ids) {
            states.put(id, calls.dispatch("session check", c -> c.hget(RedisKeys.session(id), "state")));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Standing> out = new HashMap<>();
        for (Map.Entry<String, CompletableFuture<String>> e : states.entrySet()) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            String state;
            try {
                state = calls.await("session check", e.getValue(), left);
            } catch (StoreReplyException wrongType) {
                // A key of another type under our name is not a session.
                state = null;
            }
            out.put(e.getKey(), state == null ? Standing.MISSING
                    : SessionState.parse(state).map(SessionState::standing).orElse(Standing.QUEUED));
        }
        return out;
    }

    @Override
    public void delete(String id) {
        calls.call("session delete", c -> c.del(RedisKeys.session(id)), timeout);
    }

    /** Garbage in a record never breaks a request: unknown states read as error, bad times as now. */
    private static Optional<Session> toSession(String id, Map<String, String> h) {
        if (h == null || h.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> options = new LinkedHashMap<>();
        h.forEach((k, v) -> {
            if (!CORE.contains(k)) {
                options.put(k, v);
            }
        });
        return Optional.of(new Session(id, h.getOrDefault("model", ""), h.getOrDefault("avatar_id", ""),
                SessionState.parse(h.getOrDefault("state", "")).orElse(SessionState.ERROR),
                instant(h.get("created_at")), instant(h.get("updated_at")), h.getOrDefault("reason", ""), options));
    }

    private static Instant instant(String s) {
        try {
            return s == null ? Instant.EPOCH : Instant.parse(s);
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }
}
