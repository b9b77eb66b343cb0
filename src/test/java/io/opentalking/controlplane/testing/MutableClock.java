package io.opentalking.controlplane.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/** A clock that moves only when a test tells it to, so leases, deadlines and refresh periods need no waiting. */
public final class MutableClock extends Clock {
    private final AtomicReference<Instant> now;
    private final ZoneId zone;

    private MutableClock(AtomicReference<Instant> now, ZoneId zone) {
        this.now = now;
        this.zone = zone;
    }

    public MutableClock(Instant start) {
        this(new AtomicReference<>(start), ZoneOffset.UTC);
    }

    /** Starts at a fixed, arbitrary instant so runs are repeatable. */
    public static MutableClock atEpochPlusOneYear() {
        return new MutableClock(Instant.parse("1971-01-01T00:00:00Z"));
    }

    public void advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("a clock does not go back: " + d);
        }
        now.updateAndGet(t -> t.plus(d));
    }

    public void advanceMillis(long ms) {
        advance(Duration.ofMillis(ms));
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId z) {
        return new MutableClock(now, z);
    }

    @Override
    public Instant instant() {
        return now.get();
    }
}
