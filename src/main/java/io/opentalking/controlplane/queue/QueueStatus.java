package io.opentalking.controlplane.queue;

import java.util.Map;

/** The body of {@code GET /queue/status}, parsed from the status hash with upstream's lenient rules. */
public record QueueStatus(boolean slotOccupied, int queueSize) {
    public static final QueueStatus ZERO = new QueueStatus(false, 0);

    /** Missing fields default to "0"; truthy strings for the flag; negative or unparsable sizes become 0. */
    public static QueueStatus parse(Map<String, String> hash) {
        if (hash == null || hash.isEmpty()) {
            return ZERO;
        }
        String occ = hash.getOrDefault(QueueKeys.FIELD_SLOT_OCCUPIED, "0");
        boolean occupied = io.opentalking.controlplane.config.Truthy.isTruthy(occ);
        String size = hash.getOrDefault(QueueKeys.FIELD_QUEUE_SIZE, "0");
        int n;
        try {
            n = size == null ? 0 : Integer.parseInt(size.trim());
        } catch (NumberFormatException e) {
            n = 0;
        }
        return new QueueStatus(occupied, Math.max(0, n));
    }
}
