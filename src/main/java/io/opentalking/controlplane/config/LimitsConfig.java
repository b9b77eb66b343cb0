package io.opentalking.controlplane.config;

import java.time.Duration;

/**
 * What one client may hold, and what the process holds in all, so that no client can exhaust the heap that
 * {@code ./run.sh} gives (64 MiB, 48 MiB of it the old generation; ~15 MiB live without clients). At the defaults
 * the worst case adds 5 + 5 + 8 + 8 MiB (connections, streams, session options, bodies being read). The
 * arithmetic is also in README "Limits and protection".
 *
 * @param headerTimeout          a request's line, headers and body must arrive within this, or the socket is closed
 * @param idleTimeout            a connection with no request in progress is closed after this
 * @param maxConnections         open connections in all; one more is closed as soon as it is accepted
 * @param maxConnectionsPerClient open connections from one client address
 * @param maxEventStreams        open event streams in all (503 + Retry-After beyond)
 * @param maxEventStreamsPerSession open event streams of one session
 * @param maxSessions            live sessions (created, queued or started) this replica keeps (503 beyond)
 * @param sessionRatePerSecond   POST /sessions a client address may make per second, on average (429 beyond)
 * @param sessionBurst           POST /sessions a client address may make at once
 * @param streamLinger           how long an event stream stays open (comments only) after its session ended
 */
public record LimitsConfig(Duration headerTimeout, Duration idleTimeout, int maxConnections,
                           int maxConnectionsPerClient, int maxEventStreams, int maxEventStreamsPerSession,
                           int maxSessions, double sessionRatePerSecond, int sessionBurst,
                           Duration streamLinger) {
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** 2.5 KB of heap per idle connection (measured, README): 2,000 hold about 5 MB. */
    public static final int DEFAULT_MAX_CONNECTIONS = 2000;
    /** Enough for a browser (6 per origin) times many tabs, or a proxy that opens one connection a request. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 256;
    /** ~10 KB of heap per open stream (measured, README): 500 hold about 5 MB. */
    public static final int DEFAULT_MAX_EVENT_STREAMS = 500;
    public static final int DEFAULT_MAX_EVENT_STREAMS_PER_SESSION = 4;
    /** At most 64 KiB of options each: 128 live sessions hold at most 8 MiB of options in the memory store. */
    public static final int DEFAULT_MAX_SESSIONS = 128;
    public static final double DEFAULT_SESSION_RATE = 5.0;
    public static final int DEFAULT_SESSION_BURST = 20;
    public static final Duration DEFAULT_STREAM_LINGER = Duration.ofSeconds(60);

    public static final LimitsConfig DEFAULTS = new LimitsConfig(DEFAULT_HEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
            DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_CLIENT, DEFAULT_MAX_EVENT_STREAMS,
            DEFAULT_MAX_EVENT_STREAMS_PER_SESSION, DEFAULT_MAX_SESSIONS, DEFAULT_SESSION_RATE, DEFAULT_SESSION_BURST,
            DEFAULT_STREAM_LINGER);

    public LimitsConfig {
        positive(headerTimeout, "OPENTALKING_HEADER_TIMEOUT_MS");
        positive(idleTimeout, "OPENTALKING_IDLE_TIMEOUT_MS");
        atLeastOne(maxConnections, "OPENTALKING_MAX_CONNECTIONS");
        atLeastOne(maxConnectionsPerClient, "OPENTALKING_MAX_CONNECTIONS_PER_CLIENT");
        atLeastOne(maxEventStreams, "OPENTALKING_MAX_EVENT_STREAMS");
        atLeastOne(maxEventStreamsPerSession, "OPENTALKING_MAX_EVENT_STREAMS_PER_SESSION");
        atLeastOne(maxSessions, "OPENTALKING_MAX_SESSIONS");
        atLeastOne(sessionBurst, "OPENTALKING_SESSION_BURST");
        if (streamLinger == null || streamLinger.isNegative()) {
            throw ConfigException.invalid("OPENTALKING_SSE_LINGER_SEC", String.valueOf(streamLinger),
                    "expected 0 or more seconds");
        }
        if (!(sessionRatePerSecond > 0) || Double.isInfinite(sessionRatePerSecond)) {
            throw ConfigException.invalid("OPENTALKING_SESSION_RATE", Double.toString(sessionRatePerSecond),
                    "expected a positive number of requests per second");
        }
        if (maxConnectionsPerClient > maxConnections) {
            throw ConfigException.invalid("OPENTALKING_MAX_CONNECTIONS_PER_CLIENT",
                    Integer.toString(maxConnectionsPerClient), "must not exceed OPENTALKING_MAX_CONNECTIONS ("
                            + maxConnections + ")");
        }
    }

    private static void positive(Duration d, String key) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw ConfigException.invalid(key, String.valueOf(d == null ? null : d.toMillis()),
                    "expected a positive number of milliseconds");
        }
    }

    private static void atLeastOne(int n, String key) {
        if (n < 1) {
            throw ConfigException.invalid(key, Integer.toString(n), "expected a whole number of at least 1");
        }
    }
}
