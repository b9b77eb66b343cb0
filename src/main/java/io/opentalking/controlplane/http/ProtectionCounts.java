package io.opentalking.controlplane.http;

/**
 * What the protections hold and have refused so far, for {@code /metrics}.
 *
 * @param openConnections        connections open now
 * @param refusedConnections     connections closed at accept because a cap was reached (in all or per client)
 * @param headerTimeouts         connections closed because their request's headers did not arrive in time
 * @param cutAtShutdown          connections with no complete request closed when shutdown began
 * @param openStreams            event streams open now
 */
public record ProtectionCounts(int openConnections, long refusedConnections, long headerTimeouts,
                               long cutAtShutdown, int openStreams) {
}
