package io.opentalking.controlplane.queue;

/** Reads the status hash from wherever the queue keeps it. Implementations bound every read in time. */
public interface QueueStatusReader {
    /** Where an answer came from; {@code UNAVAILABLE} means the store failed and zeros were served. */
    enum Source {
        REDIS("redis"), MEMORY("memory"), UNAVAILABLE("unavailable");

        private final String header;

        Source(String header) {
            this.header = header;
        }

        public String header() {
            return header;
        }
    }

    /** A parsed status and its source. */
    record Reading(QueueStatus status, Source source) {
    }

    /** Never throws: failures come back as zeros with {@link Source#UNAVAILABLE}. */
    Reading readStatus();
}
