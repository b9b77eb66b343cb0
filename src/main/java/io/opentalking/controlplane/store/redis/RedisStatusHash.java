package io.opentalking.controlplane.store.redis;

import io.opentalking.controlplane.config.Truthy;
import io.opentalking.controlplane.queue.QueueStatus;

import java.util.Map;

/** Reads upstream's status hash with upstream's lenient rules (CONTRACT §1 {@code /queue/status}). */
final class RedisStatusHash {
    private RedisStatusHash() {
    }

    /** Missing fields default to "0"; truthy strings for the flag; negative or unparsable sizes become 0. */
    static QueueStatus parse(Map<String, String> hash) {
        if (hash == null || hash.isEmpty()) {
            return QueueStatus.ZERO;
        }
        String occ = hash.getOrDefault(RedisKeys.FIELD_SLOT_OCCUPIED, "0");
        boolean occupied = occ != null && Truthy.isTruthy(occ);
        String size = hash.getOrDefault(RedisKeys.FIELD_QUEUE_SIZE, "0");
        int n;
        try {
            n = size == null ? 0 : Integer.parseInt(size.trim());
        } catch (NumberFormatException e) {
            n = 0;
        }
        return new QueueStatus(occupied, Math.max(0, n));
    }
}
