package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.config.QueueConfig;
import io.opentalking.controlplane.events.EventBus;
import io.opentalking.controlplane.events.SessionEvent;
import io.opentalking.controlplane.faults.StoreException;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The GPU slot queue as this replica sees it: admits sessions through atomic store steps, renews the leases of
 * the sessions it owns, sweeps expired leases, waits and holds, and turns every change into the session's events.
 * A session this replica cannot renew in time is given up locally before its lease runs out, so a slot is never
 * held twice.
 */
public final class SlotQueue implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SlotQueue.class.getName());

    private final SlotStore store;
    private final SessionRecords records;
    private final QueueConfig cfg;
    private final QueueLimits limits;
    private final EventBus events;
    private final Clock clock;
    private final List<QueueListener> listeners = new CopyOnWriteArrayList<>();
    /** Sessions this replica enqueued and still owns, with the time of their last successful renewal. */
    private final Map<String, Long> owned = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private Thread renewer;
    private Thread sweeper;
    private Thread watchdog;

    public SlotQueue(SlotStore store, SessionRecords records, QueueConfig cfg, EventBus events, Clock clock) {
        this.store = store;
        this.records = records;
        this.cfg = cfg;
        this.limits = QueueLimits.from(cfg);
        this.events = events;
        this.clock = clock;
    }

    public void addListener(QueueListener l) {
        listeners.add(l);
    }

    public void start() {
        renewer = Thread.ofVirtual().name("queue-renew").start(() -> loop(cfg.lease().dividedBy(3), this::renewOwned));
        sweeper = Thread.ofVirtual().name("queue-sweep").start(() -> loop(cfg.sweepInterval(), this::sweep));
        // The give-up deadline must be checked on its own clock: checking only when a renew attempt fails lets
        // the local give-up slip past the end of the lease in the store (attempts every lease/3 reach the
        // threshold only at about lease), by which time another replica may have been granted the slot.
        // Every lease/20 (at most 500 ms): the check is a map walk, and the sooner it runs after the deadline, the
        // more of the lease/5 margin is left to absorb a slow machine's scheduling delays.
        long watchMs = Math.max(10, Math.min(cfg.lease().toMillis() / 20, 500));
        watchdog = Thread.ofVirtual().name("queue-lease-watch")
                .start(() -> loop(Duration.ofMillis(watchMs), this::checkLeases));
    }

    /**
     * Asks for a slot. Listeners hear {@code onAdmission} first, then, for a grant, {@code onChange(Granted)}.
     * Throws {@link StoreException} if the store is down.
     */
    public Admission enqueue(String sessionId) {
        long now = clock.millis();
        Transition t = guarded(() -> store.enqueue(sessionId, limits));
        Admission a = t.admission();
        if (a instanceof Admission.Granted || a instanceof Admission.Queued) {
            owned.put(sessionId, now);
        }
        listeners.forEach(l -> l.onAdmission(sessionId, a));
        if (a instanceof Admission.Full) {
            events.publish(sessionId, SessionEvent.queued(sessionId, -1, "queue_full"));
        }
        apply(t);
        // A grant on admission is told like any other grant, after the step's other changes (a lease it
        // reclaimed comes first), so listeners see every grant as one QueueChange.Granted.
        if (a instanceof Admission.Granted) {
            notifyChange(new QueueChange.Granted(sessionId));
        }
        return a;
    }

    /** Gives the slot back or leaves the waiting list; a session not in the queue is fine. */
    public void leave(String sessionId) {
        owned.remove(sessionId);
        apply(guarded(() -> store.leave(sessionId, limits)));
    }

    public Membership membership(String sessionId) {
        return guarded(() -> store.membership(sessionId));
    }

    /** One sweep now: reclaims expired leases, waits and holds; promotes waiters. */
    public void sweep() {
        apply(guarded(() -> store.sweep(limits)));
    }

    /**
     * Renews every session this replica owns; gives up those it could not renew for too long. Sessions whose record
     * is gone or final are given back first instead of renewed (reconciliation): only the owner renews a lease, so
     * without this a ghost would hold its slot until the maximum hold.
     */
    public void renewOwned() {
        listeners.forEach(QueueListener::onRound);
        if (owned.isEmpty()) {
            return;
        }
        long sentAt = clock.millis();
        List<String> ids = List.copyOf(owned.keySet());
        try {
            Map<String, SessionRecords.Standing> standing = guarded(() -> records.standing(ids));
            standing.forEach((id, s) -> {
                if (s.gone()) {
                    giveBackGone(id, s);
                }
            });
            List<String> live = ids.stream().filter(id -> !standing.getOrDefault(id,
                    SessionRecords.Standing.QUEUED).gone()).toList();
            if (live.isEmpty()) {
                return;
            }
            // Sessions whose clients were told they hold a slot: the store must find them holding (see SlotStore).
            List<String> granted = live.stream().filter(id -> standing.get(id) == SessionRecords.Standing.GRANTED)
                    .toList();
            List<String> queued = live.stream().filter(id -> standing.get(id) != SessionRecords.Standing.GRANTED)
                    .toList();
            Transition t = guarded(() -> store.renew(granted, queued, limits));
            live.forEach(id -> owned.computeIfPresent(id, (k, v) -> sentAt));
            apply(t);
        } catch (StoreException e) {
            giveUpStale(clock.millis());
        }
    }

    /**
     * Stops renewing first, so a failed leave still frees the slot when the lease ends. A session whose record is
     * missing is only no longer renewed: its client, told through its stream or by a 404, may not have heard yet,
     * and giving the slot back at once let the next holder's client be told of its grant 20 ms before the missing
     * session's client learnt of its loss (fault checker, seed 124). The rest of its lease (at least two thirds of
     * one) is the time that notice needs; the store reclaims it then, within one lease of the record's loss. An
     * ended record was closed by a DELETE or an error the client can read, so its slot goes back at once.
     */
    private void giveBackGone(String id, SessionRecords.Standing why) {
        if (owned.remove(id) == null) {
            return;
        }
        if (why == SessionRecords.Standing.MISSING) {
            LOG.log(System.Logger.Level.WARNING, "session {0} has no record; no longer renewing its queue place", id);
            notifyChange(new QueueChange.SessionMissing(id));
            return;
        }
        LOG.log(System.Logger.Level.INFO, "session {0} has ended; giving its queue place back", id);
        apply(guarded(() -> store.leave(id, limits)));
    }

    /** The watchdog's step: gives up every owned session not renewed for too long (tests call it on their clock). */
    void checkLeases() {
        giveUpStale(clock.millis());
    }

    /**
     * Local give-up: safely before the store's lease ends, so no one else can have been granted our slot yet. The
     * slot or place stays in the store until that lease ends: giving it back sooner (tried, when the store answered
     * again) let the next holder be told of its grant before this session's client was told of its loss (the fault
     * checker saw a 41 ms overlap); the rest of the lease is the time that notice needs to arrive.
     */
    private void giveUpStale(long now) {
        long giveUpAfter = cfg.lease().toMillis() - limits.giveUpMarginMs();
        owned.forEach((id, lastOk) -> {
            if (now - lastOk >= giveUpAfter && owned.remove(id, lastOk)) {
                LOG.log(System.Logger.Level.WARNING, "could not renew the queue lease of session {0}; giving it up", id);
                notifyChange(new QueueChange.LeaseLost(id));
            }
        });
    }

    public int ownedCount() {
        return owned.size();
    }

    private void apply(Transition t) {
        if (t.storeReplaced()) {
            listeners.forEach(QueueListener::onStoreReplaced);
        }
        if (t.unconfirmedGrants() > 0) {
            listeners.forEach(l -> l.onUnconfirmedGrants(t.unconfirmedGrants()));
        }
        for (QueueChange c : t.changes()) {
            switch (c) {
                case QueueChange.Left l -> owned.remove(l.sessionId());
                case QueueChange.TimedOut x -> owned.remove(x.sessionId());
                case QueueChange.HoldExpired x -> owned.remove(x.sessionId());
                case QueueChange.LeaseLost x -> owned.remove(x.sessionId());
                case QueueChange.SessionMissing x -> owned.remove(x.sessionId());
                default -> {
                }
            }
            notifyChange(c);
        }
        t.newPositions().forEach((id, position) -> events.publish(id, SessionEvent.queued(id, position, "waiting")));
    }

    private void notifyChange(QueueChange c) {
        SessionEvent e = switch (c) {
            case QueueChange.Granted g -> SessionEvent.queued(g.sessionId(), 0, SessionEvent.SLOT_ACQUIRED);
            case QueueChange.TimedOut x -> SessionEvent.queued(x.sessionId(), -1, SessionEvent.TIMEOUT);
            case QueueChange.HoldExpired x -> SessionEvent.expired(x.sessionId(), SessionEvent.SESSION_EXPIRED);
            case QueueChange.LeaseLost x -> SessionEvent.expired(x.sessionId(), SessionEvent.LEASE_LOST);
            case QueueChange.SessionMissing x -> SessionEvent.expired(x.sessionId(), SessionEvent.SESSION_MISSING);
            case QueueChange.Expiring x -> SessionEvent.expiring(x.sessionId(), x.remainingSec());
            case QueueChange.Left l -> null;
            // Possibly told already (a lost record write); a second slot_acquired costs less than none.
            case QueueChange.Holding h -> SessionEvent.queued(h.sessionId(), 0, SessionEvent.SLOT_ACQUIRED);
        };
        if (e != null) {
            events.publish(c.sessionId(), e);
        }
        for (QueueListener l : listeners) {
            try {
                l.onChange(c);
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "queue listener failed", ex);
            }
        }
    }

    private <T> T guarded(java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (StoreException e) {
            listeners.forEach(l -> l.onStoreError(e));
            throw e;
        }
    }

    private void loop(Duration every, Runnable task) {
        while (!closed) {
            try {
                Thread.sleep(every.toMillis());
                task.run();
            } catch (InterruptedException e) {
                return;
            } catch (StoreException e) {
                LOG.log(System.Logger.Level.DEBUG, "queue store step failed: {0}", e.getMessage());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "queue background step failed", e);
            }
        }
    }

    /** Stops the loops and gives every slot and place this replica holds back to the queue. */
    @Override
    public void close() {
        closed = true;
        if (renewer != null) {
            renewer.interrupt();
            sweeper.interrupt();
            watchdog.interrupt();
        }
        for (String id : List.copyOf(owned.keySet())) {
            try {
                leave(id);
                events.publish(id, SessionEvent.expired(id, SessionEvent.SERVER_SHUTDOWN));
                listeners.forEach(l -> l.onGivenBack(id));
            } catch (StoreException e) {
                LOG.log(System.Logger.Level.WARNING, "could not give session {0} back on shutdown; its lease will "
                        + "expire", id);
            }
        }
    }
}
