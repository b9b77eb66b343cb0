package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.faults.StoreException;

/** Told about every change this replica's queue steps make, and about store failures. Must not block long. */
public interface QueueListener {
    /** Every change, including one {@link QueueChange.Granted} per grant, on admission or by promotion. */
    default void onChange(QueueChange change) {
    }

    default void onAdmission(String sessionId, Admission admission) {
    }

    default void onStoreError(StoreException e) {
    }

    /** Each renewal round (every lease/3), owned sessions or not: a chance to retry what a store failure held up. */
    default void onRound() {
    }

    /**
     * A step granted {@code count} slots that no store replica acknowledged within the acknowledgement timeout:
     * they stand, and a failover before they replicate starts a quiet lease instead of a double hold.
     */
    default void onUnconfirmedGrants(int count) {
    }

    /**
     * A step ran on another store server than this replica's previous one (a failover, a restart): writes this
     * replica made just before may be lost, as asynchronous replication drops the last ones.
     */
    default void onStoreReplaced() {
    }

    /** This replica is shutting down and gave the session's slot or waiting place back. */
    default void onGivenBack(String sessionId) {
    }
}
