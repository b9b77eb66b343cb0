package io.opentalking.controlplane.sessions;

import io.opentalking.controlplane.availability.ModelAvailability;
import io.opentalking.controlplane.availability.ModelsSnapshot;
import io.opentalking.controlplane.avatars.AvatarCatalog;
import io.opentalking.controlplane.config.QueueConfig;
import io.opentalking.controlplane.events.EventBus;
import io.opentalking.controlplane.events.SessionEvent;
import io.opentalking.controlplane.faults.StoreException;
import io.opentalking.controlplane.queue.Admission;
import io.opentalking.controlplane.queue.Membership;
import io.opentalking.controlplane.queue.QueueChange;
import io.opentalking.controlplane.queue.QueueListener;
import io.opentalking.controlplane.queue.SlotQueue;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The session lifecycle: admission (avatar, model availability, slot), start, delete, and the state changes the
 * slot queue causes. State changes are monotonic: closed and error are final.
 */
public final class SessionService implements QueueListener {
    private static final System.Logger LOG = System.getLogger(SessionService.class.getName());
    /** A finished session's record lives as long as its event log. */
    public static final Duration FINAL_TTL = EventBus.FINAL_LOG_TTL;
    private static final Set<SessionState> LIVE = EnumSet.of(SessionState.QUEUED, SessionState.CREATED,
            SessionState.RUNNING);

    private final AvatarCatalog avatars;
    private final ModelAvailability availability;
    private final SlotQueue queue;
    private final QueueConfig queueCfg;
    private final SessionRepository repo;
    private final EventBus events;
    private final Duration ttl;
    private final Clock clock;
    /**
     * Sessions whose grant came with their own admission, between the queue's listener calls and {@link #admit}
     * recording it: that request, not the listener, records it, so a store failure there can give the slot back.
     */
    private final Set<String> admittedHere = ConcurrentHashMap.newKeySet();
    private final LiveSessions live;
    /** Ends the queue caused that the store could not record yet; retried each round, so no session stays live. */
    private final Map<String, PendingEnd> pendingEnds = new ConcurrentHashMap<>();

    private record PendingEnd(SessionState state, String reason) {
    }

    /**
     * Ends the queue caused and the store recorded, kept {@link #RECENT_ENDS_KEPT} to be written again when the store
     * is replaced: the queue's own write (the step that reclaimed the slot) comes before the record's, so a failover
     * that drops the last writes can keep the first and lose the second, leaving a live record with no queue place
     * and no replica that renews it (checker seed 140: "queued but not waiting" after two failovers). At most
     * {@link #RECENT_ENDS_MAX} are kept; those past it are not rewritten.
     */
    private final Map<String, RecordedEnd> recentEnds = new ConcurrentHashMap<>();
    private static final Duration RECENT_ENDS_KEPT = Duration.ofSeconds(60);
    private static final int RECENT_ENDS_MAX = 10_000;

    private record RecordedEnd(SessionState state, String reason, long atMs) {
    }

    public SessionService(AvatarCatalog avatars, ModelAvailability availability, SlotQueue queue,
                          QueueConfig queueCfg, SessionRepository repo, EventBus events, Duration ttl, Clock clock,
                          int maxLiveSessions) {
        this.live = new LiveSessions(maxLiveSessions, repo, clock);
        this.avatars = avatars;
        this.availability = availability;
        this.queue = queue;
        this.queueCfg = queueCfg;
        this.repo = repo;
        this.events = events;
        this.ttl = ttl;
        this.clock = clock;
    }

    /** Validates and creates; slot models go through the queue. Throws AvatarException, SessionRejected or StoreException. */
    public Session create(CreateSessionRequest req) {
        String avatarId = req.avatarId().trim();
        avatars.find(avatarId);
        String model = req.model().trim().toLowerCase(Locale.ROOT);
        ModelsSnapshot snap = availability.current();
        boolean connected = snap.status(model).map(s -> s.connected()).orElse(false);
        if (!connected) {
            throw new SessionRejected.ModelNotAvailable(model, snap.connectedIds());
        }
        String id = UUID.randomUUID().toString();
        boolean slot = queueCfg.isSlotModel(model);
        Session s = new Session(id, model, avatarId, slot ? SessionState.QUEUED : SessionState.CREATED,
                clock.instant(), clock.instant(), "", req.options());
        live.reserve(id);
        try {
            repo.create(s, ttl);
            return slot ? admit(s) : s;
        } catch (RuntimeException e) {
            live.release(id);
            throw e;
        }
    }

    /** Asks the queue for a slot; any store failure from here on gives the slot or place back before answering. */
    private Session admit(Session s) {
        String id = s.id();
        try {
            return switch (queue.enqueue(id)) {
                case Admission.Granted g -> recordGrant(id).orElse(s.withState(SessionState.CREATED, clock.instant(),
                        SessionEvent.SLOT_ACQUIRED));
                case Admission.Queued q -> s;
                case Admission.Full f -> {
                    forget(id);
                    throw new SessionRejected.QueueFull(f.waiting());
                }
                case Admission.AlreadyPresent p -> s;
            };
        } catch (StoreException e) {
            // Even a failed enqueue may have run in the store (a timeout): leave, so no place waits for nobody.
            giveBack(id);
            throw e;
        } finally {
            admittedHere.remove(id);
        }
    }

    /** The one place a granted slot makes a queued session created. */
    private Optional<Session> recordGrant(String id) {
        return repo.transition(id, EnumSet.of(SessionState.QUEUED), SessionState.CREATED, SessionEvent.SLOT_ACQUIRED, ttl);
    }

    /**
     * A slot granted to a session that has already ended (its replica gave it up locally while its place still
     * waited in the store, or its record is gone) goes to the next waiter at once, not after a lease for nobody.
     */
    private void giveBackEnded(String id) {
        LOG.log(System.Logger.Level.INFO, "a slot was granted to session {0}, which has ended; giving it back", id);
        queue.leave(id);
    }

    private void giveBack(String id) {
        try {
            queue.leave(id);
        } catch (StoreException e) {
            // SlotQueue stopped renewing it already, so the store reclaims it within one lease.
            LOG.log(System.Logger.Level.WARNING, "could not give back the queue place of {0}: {1}", id,
                    e.getMessage());
        }
        forget(id);
    }

    private void forget(String id) {
        try {
            repo.delete(id);
        } catch (StoreException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not delete rejected session {0}", id);
        }
    }

    public SessionView get(String id) {
        Session s = find(id);
        Optional<Integer> position = Optional.empty();
        if (s.state() == SessionState.QUEUED) {
            try {
                Membership m = queue.membership(id);
                if (m instanceof Membership.Waiting w) {
                    position = Optional.of(w.position());
                } else if (m instanceof Membership.Absent && orphaned(s)) {
                    return new SessionView(endOrphan(s), Optional.empty());
                }
            } catch (StoreException e) {
                LOG.log(System.Logger.Level.DEBUG, "queue position unavailable for {0}", id);
            }
        }
        return new SessionView(s, position);
    }

    /**
     * A record that has said queued for longer than two leases while the queue has no place for it: its place was
     * lost while its replica was dead (the replica died between writing the record and asking the queue, or a
     * failover dropped the place and the replica with it). A live replica would have found the loss at its next
     * renewal (every third of a lease) and ended the record; a cut-off one gave it up locally before its lease ran
     * out. Nobody else will end it, so the read that finds it does. The place cannot come back: a session asks the
     * queue once, right after its record is written.
     */
    private boolean orphaned(Session s) {
        Duration after = queueCfg.lease().multipliedBy(2).plusSeconds(1);
        return queueCfg.isSlotModel(s.model()) && s.updatedAt().plus(after).isBefore(clock.instant());
    }

    private Session endOrphan(Session s) {
        LOG.log(System.Logger.Level.WARNING, "session {0} said queued with no place in the queue; closing it", s.id());
        events.publish(s.id(), SessionEvent.expired(s.id(), SessionEvent.LEASE_LOST));
        return end(s.id(), SessionState.CLOSED, SessionEvent.LEASE_LOST).orElseThrow(SessionRejected.NotFound::new);
    }

    public Session start(String id) {
        Session s = find(id);
        switch (s.state()) {
            case QUEUED -> throw new SessionRejected.Conflict("session is still queued for a GPU slot");
            case RUNNING -> throw new SessionRejected.Conflict("session is already running");
            case CLOSED, ERROR -> throw new SessionRejected.Conflict("session is " + s.state().wireName());
            case CREATED -> {
            }
        }
        Session after = repo.transition(id, EnumSet.of(SessionState.CREATED), SessionState.RUNNING, "started", ttl)
                .orElseThrow(SessionRejected.NotFound::new);
        if (after.state() != SessionState.RUNNING) {
            throw new SessionRejected.Conflict("session is " + after.state().wireName());
        }
        return after;
    }

    /** Closes the session and gives its slot or place back. Idempotent; a final state stays final. */
    public Session delete(String id) {
        Session s = find(id);
        if (s.state().isFinal()) {
            return s;
        }
        Session after = repo.transition(id, LIVE, SessionState.CLOSED, "deleted", FINAL_TTL).orElse(s);
        live.release(id);
        if (queueCfg.isSlotModel(s.model())) {
            try {
                queue.leave(id);
            } catch (StoreException e) {
                LOG.log(System.Logger.Level.WARNING, "could not leave the queue for {0}; its lease will expire", id);
            }
        }
        events.publish(id, SessionEvent.closed(id, after.state().wireName()));
        return after;
    }

    private Session find(String id) {
        return repo.find(id).orElseThrow(SessionRejected.NotFound::new);
    }

    /** The request that admitted a session records its grant itself (see {@link #admit}), so skip it here. */
    @Override
    public void onAdmission(String sessionId, Admission admission) {
        if (admission instanceof Admission.Granted) {
            admittedHere.add(sessionId);
        }
    }

    @Override
    public void onChange(QueueChange change) {
        String id = change.sessionId();
        try {
            switch (change) {
                case QueueChange.Granted g -> {
                    if (!admittedHere.remove(id)) {
                        // The transition answers the record as it is when it cannot apply: empty when it is gone.
                        Optional<Session> after = recordGrant(id);
                        if (after.isEmpty() || after.get().state().isFinal()) {
                            giveBackEnded(id);
                        }
                    }
                }
                case QueueChange.TimedOut t -> endOrRetry(id, SessionState.ERROR, SessionEvent.TIMEOUT);
                case QueueChange.HoldExpired h -> endOrRetry(id, SessionState.CLOSED, SessionEvent.SESSION_EXPIRED);
                case QueueChange.LeaseLost l -> endOrRetry(id, SessionState.CLOSED, SessionEvent.LEASE_LOST);
                case QueueChange.SessionMissing m -> {
                    // No record to end; the queue told the stream why.
                }
                case QueueChange.Expiring e -> {
                }
                case QueueChange.Left l -> {
                }
                case QueueChange.Holding h -> recordGrant(id);
            }
        } catch (StoreException e) {
            LOG.log(System.Logger.Level.WARNING, "could not record queue change {0}: {1}", change, e.getMessage());
        }
    }

    /** A queue loss told while the store is down must still end the session once it is back. */
    private void endOrRetry(String id, SessionState state, String reason) {
        try {
            end(id, state, reason);
            pendingEnds.remove(id);
            if (recentEnds.size() < RECENT_ENDS_MAX) {
                recentEnds.put(id, new RecordedEnd(state, reason, clock.millis()));
            }
        } catch (StoreException e) {
            pendingEnds.put(id, new PendingEnd(state, reason));
            throw e;
        }
    }

    /** Writes the recent ends again, off the queue's thread (a renewal must not wait for them). */
    @Override
    public void onStoreReplaced() {
        Thread.ofVirtual().name("session-ends-rewrite").start(this::rewriteRecentEnds);
    }

    private void rewriteRecentEnds() {
        long since = clock.millis() - RECENT_ENDS_KEPT.toMillis();
        int n = 0;
        for (Map.Entry<String, RecordedEnd> e : recentEnds.entrySet()) {
            RecordedEnd r = e.getValue();
            if (r.atMs() < since) {
                continue;
            }
            n++;
            try {
                end(e.getKey(), r.state(), r.reason());   // a no-op where the record is final already
            } catch (StoreException ex) {
                pendingEnds.put(e.getKey(), new PendingEnd(r.state(), r.reason()));
            }
        }
        LOG.log(System.Logger.Level.INFO, "the store server changed; wrote the {0} session end(s) of the last {1} s "
                + "again", n, RECENT_ENDS_KEPT.toSeconds());
    }

    @Override
    public void onRound() {
        long since = clock.millis() - RECENT_ENDS_KEPT.toMillis();
        recentEnds.values().removeIf(r -> r.atMs() < since);
        pendingEnds.forEach((id, p) -> {
            try {
                endOrRetry(id, p.state(), p.reason());
            } catch (StoreException e) {
                LOG.log(System.Logger.Level.DEBUG, "still cannot end session {0}: {1}", id, e.getMessage());
            }
        });
    }

    @Override
    public void onGivenBack(String sessionId) {
        try {
            end(sessionId, SessionState.CLOSED, SessionEvent.SERVER_SHUTDOWN);
        } catch (StoreException e) {
            LOG.log(System.Logger.Level.WARNING, "could not close session {0} at shutdown", sessionId);
        }
    }

    /**
     * Ends a live session; publishes {@code session.closed} only if this call is what ended it. Answers the record as
     * it is afterwards, empty when it is gone.
     */
    private Optional<Session> end(String id, SessionState state, String reason) {
        Optional<Session> after = repo.transition(id, LIVE, state, reason, FINAL_TTL);
        live.release(id);
        after.filter(s -> s.state() == state && s.stateReason().equals(reason))
                .ifPresent(s -> events.publish(id, SessionEvent.closed(id, s.state().wireName())));
        return after;
    }
}
