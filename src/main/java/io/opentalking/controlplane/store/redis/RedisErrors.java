package io.opentalking.controlplane.store.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.opentalking.controlplane.faults.StoreException;

/**
 * Why a connection to Redis failed, in words an operator can act on. Lettuce wraps a refused password in
 * "Unable to connect to host/&lt;unresolved&gt;:port", which reads like a network problem; and Redis' own reply to
 * a password it has no use for ({@code ERR AUTH <password> called without any password configured}) repeats the
 * password, so an authentication reply is never shown as it is.
 */
final class RedisErrors {
    private RedisErrors() {
    }

    /**
     * Lettuce's own race when a server closes a connection during the handshake (as it does after a refused
     * AUTH): it says nothing about the store, and the next attempt reports the real reason.
     */
    static boolean isHandshakeRace(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("RedisHandshakeHandler not registered")) {
                return true;
            }
        }
        return false;
    }

    static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RedisCommandExecutionException x) {
                String auth = authentication(String.valueOf(x.getMessage()));
                if (auth != null) {
                    return "authentication failed: " + auth;
                }
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String outer = StoreException.messageOf(e);
        return root == e ? outer : outer + " (" + StoreException.messageOf(root) + ")";
    }

    /** What an authentication error reply means, or null if the reply is about something else. */
    private static String authentication(String reply) {
        if (reply.startsWith("NOAUTH")) {
            return "Redis requires a password and the Redis URL has none";
        }
        if (reply.startsWith("WRONGPASS") || reply.startsWith("ERR invalid password")) {
            return "Redis refused the user name or password in the Redis URL";
        }
        if (reply.startsWith("ERR AUTH") || reply.contains("without any password configured")) {
            return "the Redis URL has a password but Redis has none configured";
        }
        return null;
    }
}
