package io.opentalking.controlplane.availability;

/** What a bounded probe GET produced. */
sealed interface HttpOutcome {
    /** The server answered with a status and (up to the cap) a body. */
    record Answered(int status, byte[] body) implements HttpOutcome {
    }

    /** No usable answer: refused, timed out, too large, or another transport error. */
    record Failed(Kind kind, String detail) implements HttpOutcome {
    }

    enum Kind { REFUSED, TIMEOUT, TOO_LARGE, TRANSPORT }
}
