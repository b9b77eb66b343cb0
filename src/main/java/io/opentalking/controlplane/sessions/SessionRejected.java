package io.opentalking.controlplane.sessions;

import java.util.List;

/** Why a session request was refused; mapped to HTTP in one place. Messages are client-facing details. */
public sealed class SessionRejected extends RuntimeException {
    SessionRejected(String message) {
        super(message);
    }

    /** The model is not in the catalog or not connected (the seed's 400). */
    public static final class ModelNotAvailable extends SessionRejected {
        public ModelNotAvailable(String model, List<String> connected) {
            super("model '" + model + "' is not yet supported on this deployment. Currently available: "
                    + String.join(", ", connected) + ".");
        }
    }

    /** The slot queue's waiting list is full. */
    public static final class QueueFull extends SessionRejected {
        public QueueFull(int waiting) {
            super("queue_full: " + waiting + " sessions are already waiting for a GPU slot; retry later");
        }
    }

    /** This replica holds as many live sessions as {@code OPENTALKING_MAX_SESSIONS} allows. */
    public static final class TooManySessions extends SessionRejected {
        public TooManySessions(int cap) {
            super("too many live sessions (" + cap + "); retry later");
        }
    }

    /** No such session (or it expired). */
    public static final class NotFound extends SessionRejected {
        public NotFound() {
            super("session not found");
        }
    }

    /** The session is in a state that does not allow this. */
    public static final class Conflict extends SessionRejected {
        public Conflict(String message) {
            super(message);
        }
    }
}
