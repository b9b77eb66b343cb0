package io.opentalking.controlplane.queue;

/** Told about every change this replica's queue steps make, and about store failures. Must not block long. */
public interface QueueListener {
    default void onChange(QueueChange change) {
    }

    default void onAdmission(String sessionId, Admission admission) {
    }

    default void onStoreError(QueueStoreException e) {
    }

    /** This replica is shutting down and gave the session's slot or waiting place back. */
    default void onGivenBack(String sessionId) {
    }
}
