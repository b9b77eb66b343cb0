package io.opentalking.controlplane.store.redis;

/** Every Redis key and hash field name of the queue, sessions and events, in one place; upstream names kept. */
public final class RedisKeys {
    public static final String STATUS_HASH = "opentalking:flashtalk_queue_status";
    public static final String FIELD_SLOT_OCCUPIED = "slot_occupied";
    public static final String FIELD_QUEUE_SIZE = "queue_size";
    public static final String FIELD_UPDATED_AT = "updated_at";
    public static final String FIELD_SLOTS_IN_USE = "slots_in_use";
    public static final String FIELD_SLOTS_TOTAL = "slots_total";

    /** Sessions holding a slot: member session id, score lease expiry (ms, Redis clock). */
    public static final String HOLDERS = "opentalking:flashtalk_queue:holders";
    /** Sessions waiting: member session id, score arrival sequence (FIFO order). */
    public static final String WAITING = "opentalking:flashtalk_queue:waiting";
    /** Lease expiry of waiting sessions (ms). */
    public static final String WAIT_LEASES = "opentalking:flashtalk_queue:wait_leases";
    /** Wait deadline per waiting session (ms); absent when waits are unbounded. */
    public static final String WAIT_DEADLINES = "opentalking:flashtalk_queue:wait_deadlines";
    /** Hold deadline per holder (ms); absent when holds are unbounded. */
    public static final String HOLD_DEADLINES = "opentalking:flashtalk_queue:hold_deadlines";
    /** When to tell a holder its time is nearly up (ms); removed once told. */
    public static final String EXPIRING_AT = "opentalking:flashtalk_queue:expiring_at";
    /** Names the current queue data; its disappearance means Redis lost the queue. */
    public static final String EPOCH = "opentalking:flashtalk_queue:epoch";
    /** While present, nothing is granted (one lease after the queue data was lost). */
    public static final String QUIET = "opentalking:flashtalk_queue:quiet";
    /** The run id of the server that last ran a queue step; another one answering means a failover or restart. */
    public static final String PRIMARY = "opentalking:flashtalk_queue:primary";
    /** Sessions that left recently (score: when to forget), so their owner reads "left", not "lease lost". */
    public static final String LEFT = "opentalking:flashtalk_queue:left";
    /**
     * Slots taken from holders that did not give them up (score: until when no one is granted them), so the old
     * holder's client hears of it before the next holder's does.
     */
    public static final String RECLAIMED = "opentalking:flashtalk_queue:reclaimed";
    /** Arrival counter for FIFO order. */
    public static final String SEQUENCE = "opentalking:flashtalk_queue:seq";

    public static final String SESSION_PREFIX = "opentalking:session:";
    public static final String EVENTS_CHANNEL_PREFIX = "opentalking:events:";
    public static final String EVENT_LOG_PREFIX = "opentalking:session_events:";

    private RedisKeys() {
    }

    public static String session(String id) {
        return SESSION_PREFIX + id;
    }

    public static String eventsChannel(String id) {
        return EVENTS_CHANNEL_PREFIX + id;
    }

    public static String eventLog(String id) {
        return EVENT_LOG_PREFIX + id;
    }
}
