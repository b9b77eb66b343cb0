package io.opentalking.controlplane.http;

import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.internal.HttpChannelState;
import org.eclipse.jetty.server.internal.HttpConnection;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * What connections may hold: a cap in all and per client address (one more is closed as soon as it is
 * accepted, so it costs the server nothing and makes nobody else wait in the accept queue), and a header read
 * timeout (a request line and headers must arrive within it, however slowly the bytes trickle in; Jetty's own
 * idle timeout restarts at every byte). Idle keep-alive connections are Jetty's idle timeout's business.
 */
final class ConnectionBudget implements Connection.Listener, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ConnectionBudget.class.getName());

    /** Counts of what the budget refused or cut, for /metrics and the drills. */
    record Counts(int open, long refusedTotal, long refusedPerClient, long headerTimeouts, long cutAtShutdown) {
    }

    private static final class Tracked {
        final InetAddress address;
        volatile long waitingSince;
        volatile boolean refused;

        Tracked(InetAddress address) {
            this.address = address;
        }
    }

    private final int maxTotal;
    private final int maxPerClient;
    private final long headerTimeoutNanos;
    private final LongSupplier nanoTime;
    private final Map<Connection, Tracked> open = new ConcurrentHashMap<>();
    private final Map<InetAddress, AtomicInteger> perClient = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private final AtomicLong refusedTotal = new AtomicLong();
    private final AtomicLong refusedPerClient = new AtomicLong();
    private final AtomicLong headerTimeouts = new AtomicLong();
    private final AtomicLong cutAtShutdown = new AtomicLong();
    private final ScheduledExecutorService sweeper;

    ConnectionBudget(int maxTotal, int maxPerClient, Duration headerTimeout, LongSupplier nanoTime,
                     boolean sweepInBackground) {
        this.maxTotal = maxTotal;
        this.maxPerClient = maxPerClient;
        this.headerTimeoutNanos = headerTimeout.toNanos();
        this.nanoTime = nanoTime;
        if (sweepInBackground) {
            this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "http-header-timeout");
                t.setDaemon(true);
                return t;
            });
            // A quarter of the timeout (at most 1 s) keeps the overshoot small without a wake-up per connection.
            long period = Math.max(10, Math.min(1000, headerTimeout.toMillis() / 4));
            sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
        } else {
            this.sweeper = null;
        }
    }

    @Override
    public void onOpened(Connection c) {
        InetAddress addr = address(c.getEndPoint().getRemoteSocketAddress());
        Tracked t = new Tracked(addr);
        t.waitingSince = nanoTime.getAsLong();
        open.put(c, t);
        int all = total.incrementAndGet();
        int mine = perClient.computeIfAbsent(addr, a -> new AtomicInteger()).incrementAndGet();
        if (all > maxTotal || mine > maxPerClient) {
            t.refused = true;
            (all > maxTotal ? refusedTotal : refusedPerClient).incrementAndGet();
            c.getEndPoint().close();
        }
    }

    @Override
    public void onClosed(Connection c) {
        Tracked t = open.remove(c);
        if (t == null) {
            return;
        }
        total.decrementAndGet();
        perClient.computeIfPresent(t.address, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    /** Closes connections that have been sending one request's line and headers for longer than the timeout. */
    void sweep() {
        long now = nanoTime.getAsLong();
        for (Map.Entry<Connection, Tracked> e : open.entrySet()) {
            Tracked t = e.getValue();
            if (!(e.getKey() instanceof HttpConnection hc) || t.refused) {
                continue;
            }
            if (!receivingHeaders(hc)) {
                t.waitingSince = 0;
                continue;
            }
            if (t.waitingSince == 0) {
                t.waitingSince = now;
            } else if (now - t.waitingSince > headerTimeoutNanos) {
                headerTimeouts.incrementAndGet();
                hc.getEndPoint().close();
            }
        }
    }

    /**
     * At shutdown: closes every connection that has no complete request (still sending its headers, or idle
     * between requests), or that has answered its last one and waits for the client to hang up, so only complete
     * requests get the grace period.
     */
    void cutIncomplete() {
        for (Connection c : open.keySet()) {
            // A connection streaming an answer may have its parser back at the start already: it is not idle.
            if (c instanceof HttpConnection hc && (hc.getParser().inHeaderState() || closing(hc.getParser()))
                    && !handling(hc)) {
                cutAtShutdown.incrementAndGet();
                hc.getEndPoint().close();
            }
        }
    }

    /**
     * While the listener stops: connections that finish their answer are closed as soon as they are idle (every
     * 50 ms), so the stop waits for answers, not for keep-alive clients to hang up. Jetty's own way (a short idle
     * timeout on every connection) also cut answers that were quiet for a while.
     */
    void cutIdleWhileStopping() {
        if (sweeper != null) {
            sweeper.scheduleWithFixedDelay(this::cutIncomplete, 0, 50, TimeUnit.MILLISECONDS);
        }
    }

    /** Answered with the connection's end (as Jetty does for every answer once the stop began). */
    private static boolean closing(HttpParser p) {
        return p.isState(HttpParser.State.CLOSE) || p.isState(HttpParser.State.CLOSED);
    }

    private static boolean handling(HttpConnection hc) {
        return hc.getHttpChannel() instanceof HttpChannelState s && s.getRequest() != null;
    }

    /** A new connection that has sent nothing yet, or one part-way through a request's line and headers. */
    private static boolean receivingHeaders(HttpConnection hc) {
        HttpParser p = hc.getParser();
        return p.inHeaderState() && (hc.getMessagesIn() == 0 || !p.isStart());
    }

    Counts counts() {
        return new Counts(total.get(), refusedTotal.get(), refusedPerClient.get(), headerTimeouts.get(),
                cutAtShutdown.get());
    }

    private static InetAddress address(SocketAddress a) {
        if (a instanceof InetSocketAddress isa && isa.getAddress() != null) {
            return isa.getAddress();
        }
        return InetAddress.getLoopbackAddress();
    }

    @Override
    public void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }
}
