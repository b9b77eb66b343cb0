package io.opentalking.controlplane.sessions;

import io.opentalking.controlplane.availability.ModelAvailability;
import io.opentalking.controlplane.availability.ProbeObserver;
import io.opentalking.controlplane.availability.ModelStatus;
import io.opentalking.controlplane.availability.ModelsSnapshot;
import io.opentalking.controlplane.availability.Reason;
import io.opentalking.controlplane.avatars.AvatarCatalog;
import io.opentalking.controlplane.config.Backend;
import io.opentalking.controlplane.config.ProbeConfig;
import io.opentalking.controlplane.config.QueueConfig;
import io.opentalking.controlplane.events.SessionEvent;
import io.opentalking.controlplane.events.StoredEvent;
import io.opentalking.controlplane.faults.StoreException;
import io.opentalking.controlplane.faults.StoreTimeoutException;
import io.opentalking.controlplane.faults.StoreUnavailableException;
import io.opentalking.controlplane.queue.Membership;
import io.opentalking.controlplane.queue.QueueLimits;
import io.opentalking.controlplane.queue.SlotQueue;
import io.opentalking.controlplane.queue.SlotStore;
import io.opentalking.controlplane.queue.Transition;
import io.opentalking.controlplane.store.memory.MemoryEventBus;
import io.opentalking.controlplane.store.memory.MemorySessionRepository;
import io.opentalking.controlplane.store.memory.MemorySlotStore;
import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A store that fails at the wrong moment never leaves a slot or a waiting place behind a refused request (issue 9:
 * "any failure after a slot was granted or a place queued gives the slot or place back before answering"), and
 * a grant makes a session created exactly once, whoever was told of it.
 */
class SessionServiceStoreFaultTest {
    private static final Duration TTL = Duration.ofMinutes(10);
    private static final CreateSessionRequest FLASHTALK = new CreateSessionRequest("demo-avatar", "flashtalk", Map.of());

    /** The memory repository, with transitions that fail while {@link #failTransitions} is set. */
    static final class FlakyRepository implements SessionRepository {
        final SessionRepository inner;
        final AtomicBoolean failTransitions = new AtomicBoolean();
        /** Transitions answered as done but not kept, as a primary that a failover then replaces. */
        final AtomicBoolean loseTransitions = new AtomicBoolean();
        final List<String> created = new CopyOnWriteArrayList<>();

        FlakyRepository(SessionRepository inner) {
            this.inner = inner;
        }

        @Override
        public void create(Session session, Duration ttl) {
            created.add(session.id());
            inner.create(session, ttl);
        }

        @Override
        public Optional<Session> find(String id) {
            return inner.find(id);
        }

        @Override
        public Map<String, Standing> standing(Collection<String> ids) {
            return inner.standing(ids);
        }

        @Override
        public Optional<Session> transition(String id, Set<SessionState> from, SessionState to, String reason,
                                            Duration ttl) {
            if (failTransitions.get()) {
                throw StoreUnavailableException.notConnected("flaky test store", "session transition");
            }
            if (loseTransitions.get()) {
                return inner.find(id).map(s -> from.contains(s.state()) ? s.withState(to, s.updatedAt(), reason) : s);
            }
            return inner.transition(id, from, to, reason, ttl);
        }

        @Override
        public void delete(String id) {
            inner.delete(id);
        }
    }

    /** The memory slot store, whose enqueue runs and then reports a timeout while {@link #timeOutEnqueue} is set. */
    static final class LateSlotStore implements SlotStore {
        final SlotStore inner;
        final AtomicBoolean timeOutEnqueue = new AtomicBoolean();
        /** The next sweep runs on another server than the last step (a failover). */
        final AtomicBoolean replaceStore = new AtomicBoolean();

        LateSlotStore(SlotStore inner) {
            this.inner = inner;
        }

        @Override
        public Transition enqueue(String sessionId, QueueLimits limits) {
            Transition t = inner.enqueue(sessionId, limits);
            if (timeOutEnqueue.get()) {
                throw StoreTimeoutException.after("late test store", "queue step enqueue", Duration.ofMillis(250), null);
            }
            return t;
        }

        @Override
        public Transition leave(String sessionId, QueueLimits limits) {
            return inner.leave(sessionId, limits);
        }

        @Override
        public Transition renew(Collection<String> granted, Collection<String> queued, QueueLimits limits) {
            return inner.renew(granted, queued, limits);
        }

        @Override
        public Transition sweep(QueueLimits limits) {
            Transition t = inner.sweep(limits);
            return replaceStore.getAndSet(false) ? t.onReplacedStore() : t;
        }

        @Override
        public Membership membership(String sessionId) {
            return inner.membership(sessionId);
        }
    }

    private MutableClock clock;
    private MemorySlotStore slots;
    private LateSlotStore lateSlots;
    private FlakyRepository repo;
    private MemoryEventBus events;
    private SlotQueue queue;
    private ModelAvailability availability;
    private SessionService service;

    @BeforeEach
    void wire() {
        clock = MutableClock.atEpochPlusOneYear();
        slots = new MemorySlotStore(clock);
        lateSlots = new LateSlotStore(slots);
        repo = new FlakyRepository(new MemorySessionRepository(clock));
        events = new MemoryEventBus(clock, TTL);
        QueueConfig cfg = new QueueConfig(1, 3, Duration.ZERO, Duration.ZERO, Set.of("flashtalk"),
                Duration.ofSeconds(15), Duration.ofSeconds(60), Duration.ofMillis(100));
        queue = new SlotQueue(lateSlots, repo, cfg, events, clock);
        ModelsSnapshot snap = new ModelsSnapshot(List.of(new ModelStatus("flashtalk", Backend.OMNIRT, true,
                Reason.OMNIRT, Optional.empty())), Optional.empty(), clock.instant(), Duration.ZERO);
        ProbeConfig probes = new ProbeConfig(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(3), 2, 1,
                Optional.empty(), Optional.empty(), "/m", "/a", Optional.empty(), false);
        availability = new ModelAvailability(late -> snap, probes, ProbeObserver.NONE, clock);
        service = new SessionService(new AvatarCatalog(Path.of("examples/avatars")), availability, queue, cfg, repo,
                events, TTL, clock, 1000);
        queue.addListener(service);
    }

    @AfterEach
    void close() {
        queue.close();
        availability.close();
    }

    @Test
    void aStoreFailureRecordingTheGrantGivesTheSlotBackAndIsAStoreError() {
        repo.failTransitions.set(true);
        assertThatThrownBy(() -> service.create(FLASHTALK)).isInstanceOf(StoreUnavailableException.class);
        String refused = repo.created.getFirst();
        assertThat(slots.membership(refused)).as("the slot went back").isEqualTo(new Membership.Absent());
        assertThat(queue.ownedCount()).as("nothing left to renew").isZero();
        assertThat(repo.find(refused)).as("the refused session's record").isEmpty();

        repo.failTransitions.set(false);
        Session next = service.create(FLASHTALK);
        assertThat(next.state()).as("the one slot is free for the next session").isEqualTo(SessionState.CREATED);
    }

    @Test
    void anEnqueueThatRanButTimedOutLeavesNoPlaceBehind() {
        Session holder = service.create(FLASHTALK);
        lateSlots.timeOutEnqueue.set(true);
        assertThatThrownBy(() -> service.create(FLASHTALK)).isInstanceOf(StoreTimeoutException.class)
                .isInstanceOf(StoreException.class);
        String refused = repo.created.getLast();
        assertThat(slots.membership(refused)).as("the waiting place went back").isEqualTo(new Membership.Absent());
        assertThat(slots.status().orElseThrow().queueSize()).isZero();
        assertThat(repo.find(refused)).isEmpty();
        assertThat(slots.membership(holder.id())).isEqualTo(new Membership.Holding());
    }

    @Test
    void everyGrantMakesTheSessionCreatedAndIsAnnouncedOnce() {
        Session first = service.create(FLASHTALK);
        Session second = service.create(FLASHTALK);
        assertThat(first.state()).isEqualTo(SessionState.CREATED);
        assertThat(second.state()).isEqualTo(SessionState.QUEUED);

        service.delete(first.id());
        assertThat(service.get(second.id()).session().state()).as("promoted by the first one's leave")
                .isEqualTo(SessionState.CREATED);
        assertThat(service.get(second.id()).session().stateReason()).isEqualTo("slot_acquired");
        for (Session s : List.of(first, second)) {
            List<SessionEvent> acquired = events.since(s.id(), "0").stream().map(StoredEvent::event)
                    .filter(e -> "slot_acquired".equals(e.data().get("message"))).toList();
            assertThat(acquired).as("slot_acquired events of %s", s.id())
                    .containsExactly(SessionEvent.queued(s.id(), 0, "slot_acquired"));
        }
    }

    private List<SessionEvent> eventsOf(String id) {
        return events.since(id, "0").stream().map(StoredEvent::event).toList();
    }

    @Test
    void aHolderWhoseRecordVanishedIsToldAtTheNextRenewalAndItsSlotGoesToTheNextWaiterWhenItsLeaseEnds() {
        Session holder = service.create(FLASHTALK);
        Session waiter = service.create(FLASHTALK);
        repo.delete(holder.id());
        // The renewer runs every lease/3 (5 s): one renewal, at most a third of a lease after the loss, finds it.
        clock.advanceMillis(5_000);
        queue.renewOwned();
        assertThat(eventsOf(holder.id())).as("its stream is told why")
                .contains(SessionEvent.expired(holder.id(), SessionEvent.SESSION_MISSING));
        assertThat(queue.ownedCount()).as("no longer renewed").isEqualTo(1);
        assertThat(slots.membership(holder.id())).as("its slot, for the rest of its lease: the notice's time")
                .isEqualTo(new Membership.Holding());
        // Its lease (15 s from its grant) ends: reclaimed, then granted on after the reclaim notice (500 ms).
        clock.advanceMillis(10_000);
        queue.sweep();
        assertThat(slots.membership(holder.id())).as("the ghost's slot").isEqualTo(new Membership.Absent());
        assertThat(slots.membership(waiter.id())).isEqualTo(new Membership.Waiting(1));
        clock.advanceMillis(500);
        queue.sweep();
        assertThat(slots.membership(waiter.id())).isEqualTo(new Membership.Holding());
        assertThat(service.get(waiter.id()).session().state()).isEqualTo(SessionState.CREATED);
        assertThat(slots.status().orElseThrow()).as("the status hash follows")
                .extracting(s -> s.slotsInUse(), s -> s.queueSize()).containsExactly(1, 0);
        assertThat(queue.ownedCount()).isEqualTo(1);
    }

    @Test
    void aWaiterWhoseRecordVanishedLeavesTheWaitingListWhenItsLeaseEnds() {
        service.create(FLASHTALK);
        Session waiter = service.create(FLASHTALK);
        repo.delete(waiter.id());
        clock.advanceMillis(5_000);
        queue.renewOwned();
        assertThat(eventsOf(waiter.id())).contains(SessionEvent.expired(waiter.id(), SessionEvent.SESSION_MISSING));
        assertThat(slots.membership(waiter.id())).isEqualTo(new Membership.Waiting(1));
        clock.advanceMillis(10_000);
        queue.sweep();
        assertThat(slots.membership(waiter.id())).isEqualTo(new Membership.Absent());
        assertThat(slots.status().orElseThrow().queueSize()).isZero();
    }

    @Test
    void aSlotStillHeldForAClosedSessionIsGivenBackSilently() {
        Session holder = service.create(FLASHTALK);
        // As when DELETE closed the record but its leave failed: the record is final, the slot still held.
        repo.transition(holder.id(), Set.of(SessionState.CREATED), SessionState.CLOSED, "deleted", TTL);
        queue.renewOwned();
        assertThat(slots.membership(holder.id())).isEqualTo(new Membership.Absent());
        assertThat(eventsOf(holder.id())).as("a closed session was told already")
                .noneMatch(e -> e.name().equals(SessionEvent.EXPIRED));
    }

    @Test
    void aSlotGrantedToASessionThatHadEndedGoesToTheNextWaiterAtOnce() {
        Session holder = service.create(FLASHTALK);
        Session gone = service.create(FLASHTALK);
        Session next = service.create(FLASHTALK);
        // As when gone's replica gave it up locally (store unreachable): its record is closed, its place still waits.
        repo.transition(gone.id(), Set.of(SessionState.QUEUED), SessionState.CLOSED, SessionEvent.LEASE_LOST, TTL);
        service.delete(holder.id());
        assertThat(slots.membership(gone.id())).as("the ended session's slot").isEqualTo(new Membership.Absent());
        assertThat(slots.membership(next.id())).isEqualTo(new Membership.Holding());
        assertThat(service.get(next.id()).session().state()).isEqualTo(SessionState.CREATED);
        assertThat(service.get(gone.id()).session().state()).isEqualTo(SessionState.CLOSED);
    }

    @Test
    void liveSessionsAreRenewedAndKept() {
        Session holder = service.create(FLASHTALK);
        Session waiter = service.create(FLASHTALK);
        clock.advanceMillis(10_000);
        queue.renewOwned();
        clock.advanceMillis(10_000);
        queue.renewOwned();
        assertThat(slots.membership(holder.id())).as("renewed past its first lease")
                .isEqualTo(new Membership.Holding());
        assertThat(slots.membership(waiter.id())).isEqualTo(new Membership.Waiting(1));
        assertThat(eventsOf(holder.id())).noneMatch(e -> e.name().equals(SessionEvent.EXPIRED));
    }

    @Test
    void aLossToldWhileTheStoreWasDownEndsTheSessionAtTheNextRoundOnceItIsBack() {
        Session holder = service.create(FLASHTALK);
        repo.failTransitions.set(true);
        // As when the replica gave the slot up locally during an outage: the record could not follow.
        service.onChange(new io.opentalking.controlplane.queue.QueueChange.LeaseLost(holder.id()));
        assertThat(repo.find(holder.id()).orElseThrow().state()).isEqualTo(SessionState.CREATED);
        queue.renewOwned();
        assertThat(repo.find(holder.id()).orElseThrow().state()).as("still down").isEqualTo(SessionState.CREATED);
        repo.failTransitions.set(false);
        queue.renewOwned();
        Session after = repo.find(holder.id()).orElseThrow();
        assertThat(after.state()).isEqualTo(SessionState.CLOSED);
        assertThat(after.stateReason()).isEqualTo(SessionEvent.LEASE_LOST);
        assertThat(eventsOf(holder.id())).contains(SessionEvent.closed(holder.id(), "closed"));
    }
    @Test
    void endsTheQueueCausedAreWrittenAgainWhenTheStoreIsReplaced() {
        Session holder = service.create(FLASHTALK);
        Session waiter = service.create(FLASHTALK);
        // Nobody renews: both leases end, the sweep reclaims both and ends the sessions, on a primary whose last
        // writes a failover is about to drop (the queue's survive, the records' "closed" do not).
        repo.loseTransitions.set(true);
        clock.advanceMillis(15_001);
        queue.sweep();
        assertThat(repo.find(holder.id()).orElseThrow().state()).as("the lost write").isEqualTo(SessionState.CREATED);
        repo.loseTransitions.set(false);
        lateSlots.replaceStore.set(true);
        clock.advanceMillis(100);
        queue.sweep();
        Await.untilTrue(Duration.ofSeconds(5), "both ends written again", () ->
                repo.find(holder.id()).orElseThrow().state() == SessionState.CLOSED
                        && repo.find(waiter.id()).orElseThrow().state() == SessionState.CLOSED);
        assertThat(repo.find(holder.id()).orElseThrow().stateReason()).isEqualTo(SessionEvent.LEASE_LOST);
        assertThat(eventsOf(waiter.id())).as("its stream is told it closed")
                .contains(SessionEvent.closed(waiter.id(), "closed"));
    }

    @Test
    void aQueuedRecordWithNoPlaceInTheQueueIsClosedByTheReadThatFindsItTwoLeasesOn() {
        service.create(FLASHTALK);
        // A replica wrote this record, then died before it asked the queue: no one renews or ends it.
        Session orphan = new Session("orphan-1", "flashtalk", "demo-avatar", SessionState.QUEUED, clock.instant(),
                clock.instant(), "", Map.of());
        repo.create(orphan, TTL);
        Session waiter = service.create(FLASHTALK);
        // Two leases (15 s each) and a second: a live replica would have ended it; the waiter is renewed meanwhile.
        for (int i = 0; i < 6; i++) {
            clock.advanceMillis(5_000);
            queue.renewOwned();
        }
        assertThat(service.get(orphan.id()).session().state()).as("two leases on, not yet")
                .isEqualTo(SessionState.QUEUED);
        clock.advanceMillis(1_001);
        queue.renewOwned();
        SessionView v = service.get(orphan.id());
        assertThat(v.session().state()).isEqualTo(SessionState.CLOSED);
        assertThat(v.session().stateReason()).isEqualTo(SessionEvent.LEASE_LOST);
        assertThat(repo.find(orphan.id()).orElseThrow().state()).as("recorded, not only answered")
                .isEqualTo(SessionState.CLOSED);
        assertThat(eventsOf(orphan.id())).containsExactly(SessionEvent.expired(orphan.id(), SessionEvent.LEASE_LOST),
                SessionEvent.closed(orphan.id(), "closed"));
        assertThat(service.get(waiter.id()).session().state()).as("a waiter with its place, however long it waits")
                .isEqualTo(SessionState.QUEUED);
        assertThat(service.get(waiter.id()).queuePosition()).contains(1);
    }
}
