package io.opentalking.controlplane.store.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.push.PushListener;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps the {@link StatusCopy} current over the status connection. {@code CLIENT TRACKING ON BCAST PREFIX} on the
 * status hash's name makes Redis (6+, RESP3) push an {@code invalidate} notice to this connection after every
 * write to the hash, whoever makes it (a queue step of any replica, redis-cli, an upstream worker), with no
 * server configuration; each notice re-reads the hash. While tracking is off (refused, connection down) there is
 * no copy and {@code /queue/status} reads Redis per request.
 */
final class StatusTracking {
    private static final System.Logger LOG = System.getLogger(StatusTracking.class.getName());
    private static final String INVALIDATE = "invalidate";
    private static final int ARM_ATTEMPTS = 20;
    private static final Duration ARM_PAUSE = Duration.ofMillis(100);

    private final StatusCopy copy;
    private final Duration readTimeout;
    private final Duration commandTimeout;
    private final AtomicBoolean listening = new AtomicBoolean();
    /** One HGETALL in flight at most; {@code again}: a notice came while it was. */
    private final AtomicBoolean reading = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    /** The connection while it tracks the hash; null otherwise. */
    private volatile StatefulRedisConnection<String, String> tracked;

    StatusTracking(RedisConnections connections, StatusCopy copy, Duration readTimeout, Duration commandTimeout) {
        this.copy = copy;
        this.readTimeout = readTimeout;
        this.commandTimeout = commandTimeout;
        connections.onStatusReady(this::track);
    }

    /** Called on every (re)connect, off the event loop: Redis forgets tracking with the connection. */
    private void track(StatefulRedisConnection<String, String> c) {
        if (listening.compareAndSet(false, true)) {
            c.addListener((PushListener) m -> {
                if (INVALIDATE.equals(m.getType())) {
                    copy.changed();
                    refresh();
                }
            });
            c.addListener(new RedisConnectionStateListener() {
                @Override
                public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
                    tracked = null;
                    copy.drop();
                }
            });
        }
        for (int attempt = 1; attempt <= ARM_ATTEMPTS && c.isOpen(); attempt++) {
            try {
                c.async().clientTracking(TrackingArgs.Builder.enabled().bcast().prefixes(RedisKeys.STATUS_HASH))
                        .toCompletableFuture().get(commandTimeout.toMillis(), TimeUnit.MILLISECONDS);
                tracked = c;
                refresh();
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof io.lettuce.core.RedisCommandExecutionException refused) {
                    // Redis before 6, or CLIENT TRACKING forbidden (ACL, managed service): reads per request.
                    LOG.log(System.Logger.Level.WARNING, "CLIENT TRACKING refused ({0}); /queue/status reads Redis "
                            + "on every request", refused.getMessage());
                    return;
                }
                LOG.log(System.Logger.Level.DEBUG, "CLIENT TRACKING failed (attempt {0}): {1}", attempt,
                        String.valueOf(e.getCause()));
            } catch (TimeoutException e) {
                LOG.log(System.Logger.Level.DEBUG, "CLIENT TRACKING timed out (attempt {0})", attempt);
            }
            try {
                Thread.sleep(ARM_PAUSE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Re-reads the hash: now, or right after the read in flight (which may predate the change). */
    void refresh() {
        again.set(true);
        refreshIfIdle();
    }

    /** Re-reads the hash unless a read is in flight (its answer is as new as one sent now would be). */
    void refreshIfIdle() {
        StatefulRedisConnection<String, String> c = tracked;
        if (c == null || !reading.compareAndSet(false, true)) {
            return;
        }
        again.set(false);
        long sentAt = copy.now();
        CompletableFuture<Map<String, String>> f;
        try {
            f = c.async().hgetall(RedisKeys.STATUS_HASH).toCompletableFuture();
        } catch (RuntimeException e) {
            reading.set(false);
            copy.drop();
            return;
        }
        f.orTimeout(readTimeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((hash, error) -> {
            if (error == null) {
                copy.offer(RedisStatusHash.parse(hash), sentAt);
            } else {
                // Wrong type, timeout, disconnect: nothing young to serve; requests read Redis themselves.
                copy.drop();
            }
            reading.set(false);
            if (error == null && again.get()) {
                refreshIfIdle();
            }
        });
    }
}
