package io.opentalking.controlplane.availability;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * Is a direct WebSocket backend reachable? An HTTP GET on the ws url (as http) with any status below 500 says
 * yes. A refused or broken connection falls back to a TCP connect, as upstream; a server that accepts and never
 * answers is unreachable (upstream wrongly says reachable).
 */
final class DirectWsProbe {
    /** Outcome of one reachability check. */
    sealed interface Reachability {
        record Reachable(String detail) implements Reachability {
        }

        record Unreachable(String detail) implements Reachability {
        }
    }

    private final ProbeHttp http;

    DirectWsProbe(ProbeHttp http) {
        this.http = http;
    }

    Reachability check(URI wsUrl, Duration budget) {
        long deadline = System.nanoTime() + budget.toNanos();
        URI probe = ProbeUrls.directWsProbe(wsUrl);
        return switch (http.get(probe, Map.of(), budget)) {
            case HttpOutcome.Answered a when a.status() < 500 ->
                    new Reachability.Reachable(ProbeHttp.safe(probe) + " answered HTTP " + a.status());
            case HttpOutcome.Answered a ->
                    new Reachability.Unreachable(ProbeHttp.safe(probe) + " answered HTTP " + a.status());
            case HttpOutcome.Failed f when f.kind() == HttpOutcome.Kind.TIMEOUT ->
                    new Reachability.Unreachable(f.detail());
            case HttpOutcome.Failed f -> tcpFallback(wsUrl, f.detail(), Duration.ofNanos(deadline - System.nanoTime()));
        };
    }

    private static Reachability tcpFallback(URI wsUrl, String httpDetail, Duration budget) {
        int port = ProbeUrls.port(wsUrl);
        long ms = Math.max(1, budget.toMillis());
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(wsUrl.getHost(), port), (int) Math.min(ms, Integer.MAX_VALUE));
            return new Reachability.Reachable("TCP connect to " + ProbeUrls.hostPort(wsUrl) + " succeeded ("
                    + httpDetail + ")");
        } catch (IOException e) {
            return new Reachability.Unreachable(httpDetail);
        }
    }
}
