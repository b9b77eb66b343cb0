package io.opentalking.controlplane.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the replicas believe about who holds a slot, fed by every replica's queue listener: a session is believed
 * held from the moment any replica is told it was granted until any replica is told it left, timed out, expired
 * or lost its lease. The test removes a belief itself just before asking to leave, as the session service closes
 * a session before it leaves the queue. As with session states, an end is final: a grant told late about a
 * session that already ended (replicas deliver their changes concurrently) does not bring it back. Every grant is
 * checked against the number of slots at once.
 */
final class Beliefs {
    private final int slots;
    private final Map<String, String> held = new ConcurrentHashMap<>();
    private final Set<String> ended = ConcurrentHashMap.newKeySet();
    private final List<String> violations = new CopyOnWriteArrayList<>();

    Beliefs(int slots) {
        this.slots = slots;
    }

    /** A listener for one replica. */
    QueueListener listener(String replica) {
        return new QueueListener() {
            @Override
            public void onChange(QueueChange c) {
                switch (c) {
                    case QueueChange.Granted g -> grant(g.sessionId(), replica);
                    case QueueChange.Expiring e -> {
                    }
                    case QueueChange.Holding h -> {
                    }
                    default -> forget(c.sessionId());
                }
            }

            @Override
            public void onAdmission(String sessionId, Admission a) {
                if (a instanceof Admission.Granted) {
                    grant(sessionId, replica);
                }
            }
        };
    }

    private synchronized void grant(String sid, String replica) {
        if (ended.contains(sid)) {
            return;
        }
        held.put(sid, replica);
        if (held.size() > slots) {
            violations.add(replica + " was told " + sid + " holds a slot while " + new TreeSet<>(held.keySet())
                    + " are believed to hold the " + slots + " slot(s)");
        }
    }

    synchronized void forget(String sid) {
        ended.add(sid);
        held.remove(sid);
    }

    Set<String> held() {
        return new TreeSet<>(held.keySet());
    }

    List<String> violations() {
        return new ArrayList<>(violations);
    }
}
