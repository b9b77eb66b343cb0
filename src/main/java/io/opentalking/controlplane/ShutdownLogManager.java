package io.opentalking.controlplane;

import java.util.logging.LogManager;

/**
 * JUL's LogManager drops every handler in a shutdown hook of its own, which runs alongside the server's: the
 * drain and the shutdown phases would log into nothing. Once {@link #holdHandlers()} is called (the server is up
 * and its hook installed), resets wait until {@link #releaseHandlers()}, at the end of that hook.
 */
public final class ShutdownLogManager extends LogManager {
    private volatile boolean holding;

    /** JUL instantiates it by name ({@code java.util.logging.manager}). */
    public ShutdownLogManager() {
        super();
    }

    @Override
    public void reset() {
        if (!holding) {
            super.reset();
        }
    }

    /** From now on resets wait for {@link #releaseHandlers()}; no effect if JUL runs another manager. */
    static void holdHandlers() {
        if (LogManager.getLogManager() instanceof ShutdownLogManager m) {
            m.holding = true;
        }
    }

    /** Flushes and closes the handlers now: the last thing the shutdown does. */
    static void releaseHandlers() {
        if (LogManager.getLogManager() instanceof ShutdownLogManager m) {
            m.holding = false;
            m.reset();
        }
    }
}
