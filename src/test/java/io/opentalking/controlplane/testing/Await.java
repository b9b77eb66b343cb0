package io.opentalking.controlplane.testing;

import java.time.Duration;
import java.util.function.Supplier;

/** Poll-until with a deadline: the condition is re-checked, never assumed after a sleep. */
public final class Await {
    private Await() {
    }

    /** Returns the first non-null value {@code probe} yields before {@code max} passes; fails otherwise. */
    public static <T> T until(Duration max, String what, Supplier<T> probe) {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            T v = probe.get();
            if (v != null) {
                return v;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + max.toMillis() + " ms waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }

    public static void untilTrue(Duration max, String what, Supplier<Boolean> probe) {
        until(max, what, () -> probe.get() ? Boolean.TRUE : null);
    }
}
