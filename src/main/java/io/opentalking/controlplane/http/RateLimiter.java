package io.opentalking.controlplane.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per client address: {@code burst} requests at once, refilled at {@code ratePerSecond}.
 * Buckets that have refilled are forgotten, so the map holds only addresses that are sending now.
 */
final class RateLimiter {
    private static final int SWEEP_ABOVE = 4096;

    private static final class Bucket {
        double tokens;
        long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }
    }

    private final double ratePerNano;
    private final int burst;
    private final LongSupplier nanoTime;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    RateLimiter(double ratePerSecond, int burst, LongSupplier nanoTime) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.nanoTime = nanoTime;
    }

    /** Takes a token: 0 when allowed, otherwise how many seconds until one is there (at least 1). */
    long acquire(String client) {
        long now = nanoTime.getAsLong();
        if (buckets.size() > SWEEP_ABOVE) {
            forgetFull(now);
        }
        long[] wait = {0};
        buckets.compute(client, (k, b) -> {
            Bucket x = b == null ? new Bucket(burst, now) : b;
            x.tokens = Math.min(burst, x.tokens + (now - x.at) * ratePerNano);
            x.at = now;
            if (x.tokens >= 1) {
                x.tokens -= 1;
            } else {
                wait[0] = Math.max(1, (long) Math.ceil((1 - x.tokens) / ratePerNano / 1e9));
            }
            return x;
        });
        return wait[0];
    }

    private void forgetFull(long now) {
        // A bucket that refills while being removed only hands its client a fresh burst: nothing is lost.
        buckets.values().removeIf(b -> b.tokens + (now - b.at) * ratePerNano >= burst);
    }

    int tracked() {
        return buckets.size();
    }
}
