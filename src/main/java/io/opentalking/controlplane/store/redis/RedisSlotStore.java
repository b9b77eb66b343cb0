package io.opentalking.controlplane.store.redis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.ScriptOutputType;
import io.opentalking.controlplane.faults.StoreException;
import io.opentalking.controlplane.faults.StoreReplyException;
import io.opentalking.controlplane.queue.Admission;
import io.opentalking.controlplane.queue.Membership;
import io.opentalking.controlplane.queue.QueueChange;
import io.opentalking.controlplane.queue.QueueLimits;
import io.opentalking.controlplane.queue.QueueStatus;
import io.opentalking.controlplane.queue.QueueStatusReader;
import io.opentalking.controlplane.queue.SlotStore;
import io.opentalking.controlplane.queue.Transition;
import io.opentalking.controlplane.sessions.SessionService;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/** The slot queue in Redis: every step is one Lua script run (see {@code slot_queue.lua}). */
final class RedisSlotStore implements SlotStore, QueueStatusReader {
    private static final ObjectMapper JSON = RedisJson.MAPPER;
    private static final RedisCalls.Script SCRIPT = RedisCalls.Script.load("/redis/slot_queue.lua");
    private static final String[] KEYS = {RedisKeys.HOLDERS, RedisKeys.WAITING, RedisKeys.WAIT_LEASES,
            RedisKeys.WAIT_DEADLINES, RedisKeys.HOLD_DEADLINES, RedisKeys.EXPIRING_AT, RedisKeys.SEQUENCE,
            RedisKeys.STATUS_HASH, RedisKeys.EPOCH, RedisKeys.QUIET,
            RedisKeys.LEFT, RedisKeys.PRIMARY, RedisKeys.RECLAIMED};

    /** A record the step itself ends (see slot_queue.lua) lives as long as one SessionService ends. */
    private static final String FINAL_RECORD_TTL_MS = Long.toString(SessionService.FINAL_TTL.toMillis());
    private static final String STATUS_READ = "queue status read";
    private static final System.Logger LOG = System.getLogger(RedisSlotStore.class.getName());

    private final RedisCalls calls;
    private final Duration stepTimeout;
    private final Duration readTimeout;
    private final Duration replicaAck;
    private final AtomicReference<CompletableFuture<Map<String, String>>> statusRead = new AtomicReference<>();
    /** The queue epoch this replica last saw; empty until its first step. */
    private volatile String knownEpoch = "";
    /** The run id of the server this replica's last step ran on; empty until its first step. */
    private volatile String lastRun = "";
    /** Told after every step (even a failed one, which may have run): the local status copy is then dropped. */
    private volatile Runnable afterStep = () -> {
    };

    /** {@code replicaAck}: how long a step that granted waits for one replica to have it ({@code WAIT}); 0 = never. */
    RedisSlotStore(RedisCalls calls, Duration stepTimeout, Duration readTimeout, Duration replicaAck) {
        this.calls = calls;
        this.stepTimeout = stepTimeout;
        this.readTimeout = readTimeout;
        this.replicaAck = replicaAck;
    }

    /** So that this replica reads its own writes: a step it made is seen by its very next status read. */
    void afterEachStep(Runnable r) {
        this.afterStep = r;
    }

    @Override
    public Transition enqueue(String sessionId, QueueLimits limits) {
        return step("enqueue", limits, List.of(sessionId));
    }

    @Override
    public Transition leave(String sessionId, QueueLimits limits) {
        return step("leave", limits, List.of(sessionId));
    }

    @Override
    public Transition renew(Collection<String> granted, Collection<String> queued, QueueLimits limits) {
        // The script reads how many of the ids that follow were told they hold a slot.
        List<String> ids = new ArrayList<>(granted.size() + queued.size() + 1);
        ids.add(Integer.toString(granted.size()));
        ids.addAll(granted);
        ids.addAll(queued);
        return step("renew", limits, ids);
    }

    @Override
    public Transition sweep(QueueLimits limits) {
        return step("sweep", limits, List.of());
    }

    @Override
    public Membership membership(String sessionId) {
        Double held = calls.call("queue membership", c -> c.zscore(RedisKeys.HOLDERS, sessionId), readTimeout);
        if (held != null) {
            return new Membership.Holding();
        }
        Long rank = calls.call("queue membership", c -> c.zrank(RedisKeys.WAITING, sessionId), readTimeout);
        return rank == null ? new Membership.Absent() : new Membership.Waiting(rank.intValue() + 1);
    }

    @Override
    public Reading readStatus() {
        try {
            return new Reading(RedisStatusHash.parse(calls.await(STATUS_READ, sharedStatusRead(), readTimeout)),
                    Source.REDIS);
        } catch (StoreException e) {
            return new Reading(QueueStatus.ZERO, Source.UNAVAILABLE);
        }
    }

    /**
     * Concurrent readers share the one HGETALL in flight (a probe storm costs Redis one read per round trip,
     * not one per request); the answer is never older than that round trip. Each reader still waits at most
     * the read timeout.
     */
    private CompletableFuture<Map<String, String>> sharedStatusRead() {
        while (true) {
            CompletableFuture<Map<String, String>> running = statusRead.get();
            if (running != null) {
                return running;
            }
            CompletableFuture<Map<String, String>> mine = new CompletableFuture<>();
            if (statusRead.compareAndSet(null, mine)) {
                try {
                    calls.dispatch(STATUS_READ, c -> c.hgetall(RedisKeys.STATUS_HASH)).whenComplete((hash, error) -> {
                        statusRead.compareAndSet(mine, null);
                        if (error != null) {
                            mine.completeExceptionally(error);
                        } else {
                            mine.complete(hash);
                        }
                    });
                } catch (StoreException e) {
                    statusRead.compareAndSet(mine, null);
                    mine.completeExceptionally(e);
                }
                return mine;
            }
        }
    }

    private Transition step(String op, QueueLimits l, Collection<String> ids) {
        List<String> args = new ArrayList<>(List.of(op, Integer.toString(l.slots()), Integer.toString(l.maxQueue()),
                Long.toString(l.leaseMs()), Long.toString(l.waitTimeoutMs()), Long.toString(l.maxHoldMs()),
                Long.toString(l.expiringNoticeMs()), knownEpoch, RedisKeys.SESSION_PREFIX, FINAL_RECORD_TTL_MS));
        args.addAll(ids);
        String what = "queue step " + op;
        String json;
        try {
            json = calls.script(what, SCRIPT, ScriptOutputType.VALUE, KEYS, args.toArray(String[]::new), stepTimeout);
        } finally {
            afterStep.run();
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw StoreReplyException.unreadable(calls.store(), what, "not JSON", e);
        }
        String epoch = root.path("epoch").asText("");
        if (!epoch.isEmpty()) {
            knownEpoch = epoch;
        }
        String run = root.path("run").asText("");
        boolean replaced = !run.isEmpty() && !lastRun.isEmpty() && !run.equals(lastRun);
        if (!run.isEmpty()) {
            lastRun = run;
        }
        Transition t;
        try {
            t = parse(root);
        } catch (IllegalArgumentException e) {
            throw StoreReplyException.unreadable(calls.store(), what, e.getMessage(), e);
        }
        if (replaced) {
            t = t.onReplacedStore();
        }
        return awaitReplica(root.path("replicas").asInt(0)) ? t : t.unconfirmed(t.grants());
    }

    /**
     * A grant is reported only once a replica has it, so a failover right after it does not lose it. The script
     * says how many replicas are connected, only when it granted: with none there is nothing to wait for. When no
     * replica acknowledges in time, the grant is still reported (it happened, and the step's other changes must
     * not be lost); what makes that safe is the quiet lease a primary change starts (slot_queue.lua).
     */
    private boolean awaitReplica(int replicas) {
        if (replicas <= 0 || replicaAck.isZero()) {
            return true;
        }
        try {
            Long acks = calls.call("grant acknowledgement", c -> c.waitForReplication(1, replicaAck.toMillis()),
                    replicaAck.plus(stepTimeout));
            if (acks == null || acks < 1) {
                LOG.log(System.Logger.Level.WARNING, "no replica acknowledged a grant within {0} ms; a failover now "
                        + "would start a quiet lease", replicaAck.toMillis());
                return false;
            }
            return true;
        } catch (StoreException e) {
            LOG.log(System.Logger.Level.WARNING, "could not wait for a replica to acknowledge a grant: {0}",
                    e.getMessage());
            return false;
        }
    }


    static Transition parse(JsonNode root) {
        Admission admission = switch (root.path("adm").asText("")) {
            case "granted" -> new Admission.Granted();
            case "queued" -> new Admission.Queued(root.path("val").asInt());
            case "full" -> new Admission.Full(root.path("val").asInt());
            case "present_holding" -> new Admission.AlreadyPresent(new Membership.Holding());
            case "present_waiting" -> new Admission.AlreadyPresent(new Membership.Waiting(root.path("val").asInt()));
            default -> null;
        };
        List<QueueChange> changes = new ArrayList<>();
        for (JsonNode c : list(root.path("changes"))) {
            String sid = c.get(1).asText();
            changes.add(switch (c.get(0).asText()) {
                case "granted" -> new QueueChange.Granted(sid);
                case "timeout" -> new QueueChange.TimedOut(sid);
                case "hold_expired" -> new QueueChange.HoldExpired(sid);
                case "lease_lost" -> new QueueChange.LeaseLost(sid);
                case "expiring" -> new QueueChange.Expiring(sid, c.get(2).asLong());
                case "left_holding" -> new QueueChange.Left(sid, true);
                case "left_waiting" -> new QueueChange.Left(sid, false);
                case "holding" -> new QueueChange.Holding(sid);
                default -> throw new IllegalArgumentException("unknown queue change " + c.get(0).asText());
            });
        }
        return new Transition(admission, changes, root.path("moved_from").asInt(), strings(root.path("moved")),
                root.path("holders").asInt());
    }

    /** cjson encodes an empty Lua table as {}, so an empty list may arrive as an object. */
    private static List<JsonNode> list(JsonNode n) {
        List<JsonNode> out = new ArrayList<>();
        if (n.isArray()) {
            n.forEach(out::add);
        }
        return out;
    }

    private static List<String> strings(JsonNode n) {
        return list(n).stream().map(JsonNode::asText).toList();
    }
}
