package io.opentalking.controlplane.sessions;

import io.opentalking.controlplane.availability.ModelAvailability;
import io.opentalking.controlplane.availability.ModelsSnapshot;
import io.opentalking.controlplane.avatars.AvatarCatalog;
import io.opentalking.controlplane.config.QueueConfig;
import io.opentalking.controlplane.events.EventBus;
import io.opentalking.controlplane.events.SessionEvent;
import io.opentalking.controlplane.queue.Admission;
import io.opentalking.controlplane.queue.Membership;
import io.opentalking.controlplane.queue.QueueChange;
import io.opentalking.controlplane.queue.QueueListener;
import io.opentalking.controlplane.queue.QueueStoreException;
import io.opentalking.controlplane.queue.SlotQueue;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The session lifecycle: admission (avatar, model availability, slot), start, delete, and the state changes the
 * slot queue causes. State changes are monotonic: closed and error are final.
 */
public final class SessionService implements QueueListener {
    private static final System.Logger LOG = System.getLogger(SessionService.class.getName());
    public static final Duration FINAL_TTL = Duration.ofSeconds(600);
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

    public SessionService(AvatarCatalog avatars, ModelAvailability availability, SlotQueue queue,
                          QueueConfig queueCfg, SessionRepository repo, EventBus events, Duration ttl, Clock clock) {
        this.avatars = avatars;
        this.availability = availability;
        this.queue = queue;
        this.queueCfg = queueCfg;
        this.repo = repo;
        this.events = events;
        this.ttl = ttl;
        this.clock = clock;
    }

    /** Validates and creates; slot models go through the queue. Throws AvatarException or SessionRejected. */
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
        try {
            repo.create(s, ttl);
        } catch (SessionStoreException e) {
            throw new SessionRejected.StoreUnavailable("the session store");
        }
        if (!slot) {
            return s;
        }
        Admission a;
        try {
            a = queue.enqueue(id);
        } catch (QueueStoreException e) {
            forget(id);
            throw new SessionRejected.StoreUnavailable("the slot queue store");
        }
        return switch (a) {
            case Admission.Granted g -> repo.transition(id, EnumSet.of(SessionState.QUEUED), SessionState.CREATED,
                    "slot_acquired", ttl).orElse(s.withState(SessionState.CREATED, clock.instant(), "slot_acquired"));
            case Admission.Queued q -> s;
            case Admission.Full f -> {
                forget(id);
                throw new SessionRejected.QueueFull(f.waiting());
            }
            case Admission.AlreadyPresent p -> s;
        };
    }

    private void forget(String id) {
        try {
            repo.delete(id);
        } catch (SessionStoreException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not delete rejected session {0}", id);
        }
    }

    public SessionView get(String id) {
        Session s = find(id);
        Optional<Integer> position = Optional.empty();
        if (s.state() == SessionState.QUEUED) {
            try {
                if (queue.membership(id) instanceof Membership.Waiting w) {
                    position = Optional.of(w.position());
                }
            } catch (QueueStoreException e) {
                LOG.log(System.Logger.Level.DEBUG, "queue position unavailable for {0}", id);
            }
        }
        return new SessionView(s, position);
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
        Session after = transition(id, EnumSet.of(SessionState.CREATED), SessionState.RUNNING, "started", ttl)
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
        Session after = transition(id, LIVE, SessionState.CLOSED, "deleted", FINAL_TTL).orElse(s);
        if (queueCfg.isSlotModel(s.model())) {
            try {
                queue.leave(id);
            } catch (QueueStoreException e) {
                LOG.log(System.Logger.Level.WARNING, "could not leave the queue for {0}; its lease will expire", id);
            }
        }
        events.publish(id, SessionEvent.closed(id, after.state().wireName()));
        return after;
    }

    private Session find(String id) {
        try {
            return repo.find(id).orElseThrow(SessionRejected.NotFound::new);
        } catch (SessionStoreException e) {
            throw new SessionRejected.StoreUnavailable("the session store");
        }
    }

    private Optional<Session> transition(String id, Set<SessionState> from, SessionState to, String reason,
                                         Duration ttl) {
        try {
            return repo.transition(id, from, to, reason, ttl);
        } catch (SessionStoreException e) {
            throw new SessionRejected.StoreUnavailable("the session store");
        }
    }

    @Override
    public void onChange(QueueChange change) {
        String id = change.sessionId();
        try {
            switch (change) {
                case QueueChange.Granted g ->
                        repo.transition(id, EnumSet.of(SessionState.QUEUED), SessionState.CREATED, "slot_acquired", ttl);
                case QueueChange.TimedOut t -> end(id, SessionState.ERROR, "timeout");
                case QueueChange.HoldExpired h -> end(id, SessionState.CLOSED, "session_expired");
                case QueueChange.LeaseLost l -> end(id, SessionState.CLOSED, "lease_lost");
                case QueueChange.Expiring e -> {
                }
                case QueueChange.Left l -> {
                }
            }
        } catch (SessionStoreException e) {
            LOG.log(System.Logger.Level.WARNING, "could not record queue change {0}: {1}", change, e.getMessage());
        }
    }

    @Override
    public void onGivenBack(String sessionId) {
        try {
            end(sessionId, SessionState.CLOSED, "server_shutdown");
        } catch (SessionStoreException e) {
            LOG.log(System.Logger.Level.WARNING, "could not close session {0} at shutdown", sessionId);
        }
    }

    /** Ends a live session; publishes {@code session.closed} only if this call is what ended it. */
    private void end(String id, SessionState state, String reason) {
        Optional<Session> after = repo.transition(id, LIVE, state, reason, FINAL_TTL);
        after.filter(s -> s.state() == state && s.stateReason().equals(reason))
                .ifPresent(s -> events.publish(id, SessionEvent.closed(id, s.state().wireName())));
    }
}
