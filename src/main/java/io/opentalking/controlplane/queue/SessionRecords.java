package io.opentalking.controlplane.queue;

import java.util.Collection;
import java.util.Map;

/**
 * Whether the sessions a replica renews still have their records. The queue asks at each renewal, so a slot or
 * place whose session is gone (evicted, flushed, deleted by hand) is given back within one lease instead of being
 * renewed for nobody. Implementations throw {@link io.opentalking.controlplane.faults.StoreException}.
 */
@FunctionalInterface
public interface SessionRecords {
    /** What became of a session's record. */
    enum Gone {
        /** No record at all. */
        MISSING,
        /** The record says closed or error: the session is over, its slot must not stay held. */
        ENDED
    }

    /** The sessions among {@code ids} whose record is missing or final; live ones are left out. */
    Map<String, Gone> gone(Collection<String> ids);
}
