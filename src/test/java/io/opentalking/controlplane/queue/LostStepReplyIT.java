package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.config.QueueConfig;
import io.opentalking.controlplane.events.SessionEvent;
import io.opentalking.controlplane.sessions.Session;
import io.opentalking.controlplane.sessions.SessionService;
import io.opentalking.controlplane.sessions.SessionState;
import io.opentalking.controlplane.store.redis.RedisKeys;
import io.opentalking.controlplane.testing.PrivateRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A queue step whose reply no replica reads (a command timeout while Redis was paused, a connection cut after the
 * script ran) while the sessions it ends belong to a dead replica: nobody learns of those ends, so the step itself
 * must end their records (issue 9 item 2: queue and records consistent after any loss; checker smoke seed 1 found
 * two waiters whose records said queued for 11 s with no place in the queue while later ones were granted).
 */
class LostStepReplyIT {
    @RegisterExtension
    static final PrivateRedis REDIS = PrivateRedis.flushedBeforeEachTest();
    private final List<Replica> replicas = new ArrayList<>();
    private final RecordingEventBus bus = new RecordingEventBus();

    @AfterEach
    void closeReplicas() {
        replicas.forEach(Replica::close);
        replicas.clear();
    }

    /** A replica whose loops do not run: the test takes its steps. */
    private Replica idleReplica(String name, QueueConfig cfg) {
        Replica r = new Replica(name, REDIS.server(), cfg, bus, true);
        replicas.add(r);
        return r;
    }

    /** Through a replica that then dies: h holds (its record says created), w waits. */
    private void holderAndWaiterOfADeadReplica(QueueConfig cfg) {
        Replica dead = idleReplica("dead", cfg);
        assertThat(dead.queue.enqueue(dead.session("h"))).isEqualTo(new Admission.Granted());
        dead.stores.sessions().transition("h", EnumSet.of(SessionState.QUEUED), SessionState.CREATED,
                SessionEvent.SLOT_ACQUIRED, Duration.ofMinutes(10));
        assertThat(dead.queue.enqueue(dead.session("w"))).isEqualTo(new Admission.Queued(1));
        dead.cutOffFromRedis();
    }

    /** One sweep through another replica's store, its reply dropped unread, as a timed-out command's is. */
    private Transition sweepNobodyReads(Replica other, QueueConfig cfg) {
        return other.stores.slots().sweep(QueueLimits.from(cfg));
    }

    private void assertEnded(Replica other, String id, SessionState state, String reason) {
        Session s = other.stores.sessions().find(id).orElseThrow();
        assertThat(s.state()).as(id + "'s state").isEqualTo(state);
        assertThat(s.stateReason()).as(id + "'s reason").isEqualTo(reason);
        // Written from Redis' clock in the script, in the format the repository reads (Instant.toString()).
        assertThat(Duration.between(s.updatedAt(), Instant.now()).abs()).as(id + "'s updated_at " + s.updatedAt())
                .isLessThan(Duration.ofSeconds(5));
        long ttl = Long.parseLong(REDIS.server().cli("PTTL", RedisKeys.session(id)));
        assertThat(ttl).as(id + "'s record lives as long as a final record").isPositive()
                .isLessThanOrEqualTo(SessionService.FINAL_TTL.toMillis());
    }

    @Test
    void aStepNobodyReadsEndsTheRecordsOfTheLeasesItReclaims() throws InterruptedException {
        QueueConfig cfg = RedisFixtures.queueConfig(1, 5, Duration.ofMillis(1_000), Duration.ofMillis(50));
        holderAndWaiterOfADeadReplica(cfg);
        Replica other = idleReplica("other", cfg);
        Thread.sleep(1_200);   // both leases run out

        Transition t = sweepNobodyReads(other, cfg);
        assertThat(t.changes()).as("this step is the one that reclaimed them")
                .contains(new QueueChange.LeaseLost("h"), new QueueChange.LeaseLost("w"));
        assertEnded(other, "h", SessionState.CLOSED, SessionEvent.LEASE_LOST);
        assertEnded(other, "w", SessionState.CLOSED, SessionEvent.LEASE_LOST);
        assertThat(REDIS.server().cli("HGET", RedisKeys.STATUS_HASH, "queue_size")).isEqualTo("0");
    }

    @Test
    void aStepNobodyReadsEndsTheRecordsOfTimedOutWaitsAndExpiredHolds() throws InterruptedException {
        // Waits time out after 1 s and holds after 2 s, long before the 10 s leases run out.
        QueueConfig cfg = new QueueConfig(1, 5, Duration.ofSeconds(1), Duration.ofSeconds(2), Set.of("flashtalk"),
                Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofMillis(50));
        holderAndWaiterOfADeadReplica(cfg);
        Replica other = idleReplica("other", cfg);
        Thread.sleep(2_200);

        Transition t = sweepNobodyReads(other, cfg);
        assertThat(t.changes()).contains(new QueueChange.HoldExpired("h"), new QueueChange.TimedOut("w"));
        assertEnded(other, "h", SessionState.CLOSED, SessionEvent.SESSION_EXPIRED);
        assertEnded(other, "w", SessionState.ERROR, SessionEvent.TIMEOUT);
    }

    @Test
    void aFinalRecordIsNotRewrittenByTheStepThatReclaimsItsLease() throws InterruptedException {
        QueueConfig cfg = RedisFixtures.queueConfig(1, 5, Duration.ofMillis(1_000), Duration.ofMillis(50));
        holderAndWaiterOfADeadReplica(cfg);
        Replica other = idleReplica("other", cfg);
        // w's client deleted it, but the dead replica never left the queue for it.
        other.stores.sessions().transition("w", EnumSet.of(SessionState.QUEUED), SessionState.CLOSED, "deleted",
                Duration.ofMinutes(10));
        Thread.sleep(1_200);

        sweepNobodyReads(other, cfg);
        Session w = other.stores.sessions().find("w").orElseThrow();
        assertThat(w.state()).isEqualTo(SessionState.CLOSED);
        assertThat(w.stateReason()).isEqualTo("deleted");
    }
}
