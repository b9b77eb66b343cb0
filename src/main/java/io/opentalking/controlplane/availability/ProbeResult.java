package io.opentalking.controlplane.availability;

/**
 * What one probe of a round produced, typed by the kind of probe ({@code T}: a local check result, an OmniRT
 * listing, a ws reachability). Every way a probe can end is a case here, so the status rules are exhaustive
 * switches and one condition (a timeout) always reads the same.
 */
sealed interface ProbeResult<T> {
    /** The probe answered in time. */
    record Done<T>(T value) implements ProbeResult<T> {
    }

    /** The probe overran its budget; {@code detail} says what and how long, in the one timeout wording. */
    record TimedOut<T>(String detail) implements ProbeResult<T> {
    }

    /** The probe threw. */
    record Failed<T>(String detail) implements ProbeResult<T> {
    }

    /** Still running when the round's snapshot was taken (the OmniRT listing has a longer budget). */
    record Pending<T>(String detail) implements ProbeResult<T> {
    }

    /** The one wording of a timeout, used by the HTTP client and by the round alike. */
    static String timeoutDetail(String what, java.time.Duration budget) {
        return what + " timed out after " + budget.toMillis() + " ms";
    }
}
