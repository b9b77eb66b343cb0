package io.opentalking.controlplane.testing;

import java.time.Duration;
import java.util.function.Supplier;

/** Poll-until with a deadline: the condition is re-checked, never assumed after a sleep. */
public final class Await {
    private static final Duration POLL = Duration.ofMillis(10);

    private Await() {
    }

    /** Returns the first non-null value {@code probe} yields before {@code max} passes; fails otherwise. */
    public static <T> T until(Duration max, String what, Supplier<T> probe) {
        return until(max, () -> what, null, probe);
    }

    public static void untilTrue(Duration max, String what, Supplier<Boolean> probe) {
        until(max, what, () -> probe.get() ? Boolean.TRUE : null);
    }

    /**
     * As {@link #until(Duration, String, Supplier)}, and a {@code notYet} thrown by the probe (a server not
     * listening yet, a store restarting) means "try again"; the last one is the cause if time runs out.
     * {@code what} is evaluated only on failure, so it can carry a server log read at that moment.
     */
    public static <T> T until(Duration max, Supplier<String> what, Class<? extends RuntimeException> notYet,
                              Supplier<T> probe) {
        long deadline = System.nanoTime() + max.toNanos();
        RuntimeException last = null;
        while (true) {
            try {
                T v = probe.get();
                if (v != null) {
                    return v;
                }
            } catch (RuntimeException e) {
                if (notYet == null || !notYet.isInstance(e)) {
                    throw e;
                }
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + max.toMillis() + " ms waiting for " + what.get(), last);
            }
            pause(POLL);
        }
    }

    /**
     * Checks for the whole of {@code window} that {@code happened} stays false, failing as soon as it turns
     * true: for "nothing is written", use the window its positive twin allows for the thing to appear.
     */
    public static void never(Duration window, String what, Supplier<Boolean> happened) {
        long end = System.nanoTime() + window.toNanos();
        while (true) {
            if (happened.get()) {
                throw new AssertionError("did not expect " + what);
            }
            if (System.nanoTime() > end) {
                return;
            }
            pause(POLL);
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }
}
