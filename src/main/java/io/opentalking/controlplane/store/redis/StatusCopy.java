package io.opentalking.controlplane.store.redis;

import io.opentalking.controlplane.queue.QueueStatus;
import io.opentalking.controlplane.queue.QueueStatusReader;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The replica-local copy of the status hash and its age. The age runs from when the read that produced the copy
 * was sent: Redis answered with its state at some moment after that, so a copy younger than {@code maxAge} is
 * never staler than {@code maxAge}, whatever happened to the notices that keep it current.
 */
final class StatusCopy {
    /** {@code reading} null: a tombstone; no read sent before {@code readAt} may be installed after a drop. */
    private record Copy(QueueStatusReader.Reading reading, long readAt) {
    }

    private final long maxAgeNanos;
    private final LongSupplier nanos;
    private final AtomicReference<Copy> latest = new AtomicReference<>();

    /** {@code nanos}: a monotonic clock (System::nanoTime in production). */
    StatusCopy(Duration maxAge, LongSupplier nanos) {
        this.maxAgeNanos = maxAge.toNanos();
        this.nanos = nanos;
    }

    Duration maxAge() {
        return Duration.ofNanos(maxAgeNanos);
    }

    /** Now, on the copy's clock: pass it back to {@link #offer} as the moment a read was sent. */
    long now() {
        return nanos.getAsLong();
    }

    /** A read sent at {@code readAt} answered {@code status}; kept unless something newer is already known. */
    void offer(QueueStatus status, long readAt) {
        Copy offered = new Copy(new QueueStatusReader.Reading(status, QueueStatusReader.Source.REDIS), readAt);
        latest.accumulateAndGet(offered, (old, n) -> old == null || n.readAt - old.readAt > 0 ? n : old);
    }

    /**
     * Redis said the hash changed: stop serving the copy. A read answered after this notice arrived reflects the
     * change (notices and replies share one connection, in order), so reads in flight may still install theirs.
     */
    void changed() {
        latest.updateAndGet(c -> c == null ? null : new Copy(null, c.readAt));
    }

    /** Forgets the copy (the notices stopped); reads already in flight can no longer install theirs. */
    void drop() {
        latest.set(new Copy(null, now()));
    }

    /** What a lookup found: the reading to serve (null: none young enough) and whether to refresh ahead. */
    record Lookup(QueueStatusReader.Reading reading, boolean refreshDue) {
        private static final Lookup NONE = new Lookup(null, true);
    }

    /** The copy while it is within the bound; a refresh is due once it is past half of it. */
    Lookup lookup() {
        Copy c = latest.get();
        if (c == null || c.reading == null) {
            return Lookup.NONE;
        }
        long age = now() - c.readAt;
        if (age > maxAgeNanos) {
            return Lookup.NONE;
        }
        return new Lookup(c.reading, age > maxAgeNanos / 2);
    }
}
