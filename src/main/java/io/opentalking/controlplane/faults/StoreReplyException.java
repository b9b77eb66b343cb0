package io.opentalking.controlplane.faults;

/** The store answered, but with an error reply or with something that cannot be read. */
public final class StoreReplyException extends StoreException {
    private StoreReplyException(String store, String operation, String problem, Throwable cause) {
        super(store, operation, problem, cause);
    }

    /** An error reply, e.g. {@code WRONGTYPE} or a script error. */
    public static StoreReplyException errorReply(String store, String operation, Throwable cause) {
        return new StoreReplyException(store, operation, "was refused" + causeText(cause), cause);
    }

    public static StoreReplyException unreadable(String store, String operation, String why, Throwable cause) {
        return new StoreReplyException(store, operation, "returned an unreadable reply: " + why, cause);
    }

    @Override
    public String clientDetail() {
        return "the session store failed; retry later";
    }
}
