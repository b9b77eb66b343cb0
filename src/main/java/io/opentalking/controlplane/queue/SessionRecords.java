package io.opentalking.controlplane.queue;

import java.util.Collection;
import java.util.Map;

/**
 * What the records of the sessions a replica renews say. The queue asks at each renewal, so a slot or place whose
 * session is gone (evicted, flushed, deleted by hand) is given back within one lease instead of being renewed for
 * nobody, and a session whose record says it holds a slot is checked against the queue (a failover can lose a
 * grant). Implementations throw {@link io.opentalking.controlplane.faults.StoreException}.
 */
@FunctionalInterface
public interface SessionRecords {
    /** What a session's record says, as far as the queue cares. */
    enum Standing {
        /** No record at all. */
        MISSING,
        /** The record says closed or error: the session is over, its slot must not stay held. */
        ENDED,
        /** The record says the session holds a slot (created or running): its client was told so. */
        GRANTED,
        /** The record says queued. */
        QUEUED;

        public boolean gone() {
            return this == MISSING || this == ENDED;
        }
    }

    /** The standing of the records of {@code ids}; an id left out is taken as {@link Standing#QUEUED}. */
    Map<String, Standing> standing(Collection<String> ids);
}
