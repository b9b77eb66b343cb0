package io.opentalking.controlplane.http;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The event streams that are open right now, so that shutdown can end them at once instead of waiting out the
 * grace period for clients that would never hang up.
 */
public final class OpenStreams {
    private final Set<Runnable> closers = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    boolean register(Runnable closer) {
        closers.add(closer);
        return !closing;
    }

    void unregister(Runnable closer) {
        closers.remove(closer);
    }

    boolean closing() {
        return closing;
    }

    /** Ends every open stream; new ones end immediately. */
    public void closeAll() {
        closing = true;
        closers.forEach(Runnable::run);
    }
}
