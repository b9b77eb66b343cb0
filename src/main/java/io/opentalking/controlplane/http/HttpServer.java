package io.opentalking.controlplane.http;

import io.opentalking.controlplane.config.LimitsConfig;
import io.opentalking.controlplane.config.ServerConfig;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.AbstractNetworkConnector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.time.Duration;
import java.util.List;

/**
 * The listener: Jetty 12 core, HTTP/1.0 and 1.1, handlers on virtual threads, the connection budget, the
 * JSON error answers and the access log. Start-up failures become a {@link StartupFailure} naming the address;
 * shutdown is in phases so that a draining replica keeps serving while the load balancer notices.
 */
public final class HttpServer implements AutoCloseable {
    private static final System.Logger ACCESS = System.getLogger("io.opentalking.controlplane.access");
    private static final String REFS_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";

    static {
        // Without it, Jetty's first thread pool starts the platform MBean server (with JFR's diagnostic commands) to
        // ask whether oops are compressed: ~150 ms of start-up and a few MB of metaspace for one padding hint.
        // Oops are compressed below a 32 GB heap: 64-byte lines hold 16 references.
        if (System.getProperty(REFS_PER_CACHE_LINE) == null) {
            System.setProperty(REFS_PER_CACHE_LINE, Runtime.getRuntime().maxMemory() < (32L << 30) ? "16" : "8");
        }
    }

    /** The server could not start listening; the message names the address and the cause. */
    public static final class StartupFailure extends RuntimeException {
        StartupFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Server server;
    private final AbstractNetworkConnector connector;
    private final LocalConnector local;
    private final ConnectionBudget budget;
    private final StreamBudget streams;
    private final RequestBodies bodies;
    private final OpenStreams openStreams = new OpenStreams();
    private final ServerConfig cfg;
    private final Router router;

    public HttpServer(ApiServices s) {
        this(s, true);
    }

    /**
     * @param listen false for a server without a socket: requests go through {@link #exchange(String)}, so the
     *               production routing can be tested with no network at all
     */
    public HttpServer(ApiServices s, boolean listen) {
        this.cfg = s.server();
        LimitsConfig limits = s.limits();
        QueuedThreadPool pool = new QueuedThreadPool(8, 2);
        pool.setName("http");
        pool.setVirtualThreadsExecutor(VirtualThreads.getNamedVirtualThreadsExecutor("http-v"));
        this.server = new Server(pool);

        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setRequestHeaderSize(16 * 1024);
        // Small response buffers: bodies here are small, and every open stream holds one.
        http.setOutputBufferSize(4 * 1024);
        // An encoded '/' or '..' in a path reaches the router as text (and fails there with 404, as documented)
        // instead of a 400 from the parser; avatar ids are checked for containment by the catalog.
        http.setUriCompliance(UriCompliance.DEFAULT.with("opentalking",
                UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR, UriCompliance.Violation.AMBIGUOUS_PATH_SEGMENT,
                UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING));
        this.budget = new ConnectionBudget(limits.maxConnections(), limits.maxConnectionsPerClient(),
                limits.headerTimeout(), System::nanoTime, true);
        if (listen) {
            ServerConnector c = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
            c.setHost(cfg.host());
            c.setPort(cfg.port());
            c.setIdleTimeout(limits.idleTimeout().toMillis());
            // Jetty's graceful stop sets this idle timeout on every open connection, and one quiet for longer
            // (an event stream between two events) is closed at once, cutting its answer mid-chunk (ShutdownIT
            // under load). Idle and half-sent connections are closed by the budget instead (see close()); those
            // still answering get the whole grace period.
            c.setShutdownIdleTimeout(Math.max(1, cfg.shutdownGrace().toMillis()));
            c.addBean(budget);
            server.addConnector(c);
            this.connector = c;
            this.local = null;
        } else {
            this.local = new LocalConnector(server, new HttpConnectionFactory(http));
            local.setIdleTimeout(limits.idleTimeout().toMillis());
            server.addConnector(local);
            this.connector = null;
        }

        this.streams = new StreamBudget(limits.maxEventStreams(), limits.maxEventStreamsPerSession());
        this.bodies = new RequestBodies(cfg.maxRequestBodyBytes(), limits.headerTimeout());
        // A keep-alive comment must come well inside the idle timeout, or Jetty would close a quiet stream.
        Duration keepAlive = min(s.sseKeepAlive(), limits.idleTimeout().dividedBy(2));
        this.router = new Router()
                .add(new HealthRoutes())
                .add(new ReadinessRoutes(s.readiness()))
                .add(new ModelRoutes(s.availability(), s.clock()))
                .add(new ModelEventStream(s.availability(), keepAlive, openStreams, streams, s.observer()::streamOverflowed))
                .add(new QueueRoutes(s.queueStatus()))
                .add(new AvatarRoutes(s.avatars()))
                .add(new SessionRoutes(s.sessions(), bodies, new RateLimiter(limits.sessionRatePerSecond(),
                        limits.sessionBurst(), System::nanoTime)))
                .add(new SessionEventStream(s.sessions(), s.events(), keepAlive, limits.streamLinger(), openStreams,
                        streams, s.observer()::streamOverflowed, System::nanoTime));
        s.extraRoutes().forEach(router::add);
        server.setHandler(new GracefulHandler(new ApiHandler(router, new CorsPolicy(cfg.corsOrigins()), s.observer(), bodies)));
        server.setErrorHandler(new JsonErrorHandler());
        server.setStopTimeout(cfg.shutdownGrace().toMillis());
        server.setStopAtShutdown(false);
        if (cfg.accessLog()) {
            server.setRequestLog(HttpServer::logAccess);
        }
    }

    /** Binds and starts; on failure releases everything it opened and throws {@link StartupFailure}. */
    public HttpServer start() {
        try {
            server.start();
            return this;
        } catch (Exception e) {
            close();
            String cause = e.getCause() != null && e.getMessage() != null && e.getMessage().contains("Failed to bind")
                    ? e.getCause().getMessage() : e.getMessage();
            throw new StartupFailure("cannot listen on " + cfg.host() + ":" + cfg.port() + ": "
                    + (cause == null ? e.getClass().getSimpleName() : cause), e);
        }
    }

    public int port() {
        return connector == null ? -1 : connector.getLocalPort();
    }

    /** One raw HTTP/1.x request in, the raw response out: only for a server built without a socket. */
    public String exchange(String rawRequest) {
        if (local == null) {
            throw new IllegalStateException("this server listens on a socket");
        }
        try {
            return local.getResponse(rawRequest, 5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("local exchange failed", e);
        }
    }

    /** Every route, as "METHOD template" ({@link Router#describe()}); known before the listener starts. */
    public List<String> routes() {
        return router.describe();
    }

    /** Shutdown, first phase: no new connections; connections without a complete request are closed now. */
    public void stopAccepting() {
        if (connector != null) {
            connector.setAccepting(false);
        }
        budget.cutIncomplete();
        bodies.cutAll();
    }

    /** Ends every open event stream (after the events the shutdown published have been written). */
    public void endStreams() {
        openStreams.closeAll();
    }

    public ProtectionCounts counts() {
        ConnectionBudget.Counts c = budget.counts();
        return new ProtectionCounts(c.open(), c.refusedTotal() + c.refusedPerClient(), c.headerTimeouts(),
                c.cutAtShutdown(), streams.open());
    }

    /** Lets in-flight requests finish within the shutdown grace, then closes every connection. */
    @Override
    public void close() {
        try {
            budget.cutIdleWhileStopping();
            server.stop();
        } catch (Exception e) {
            System.getLogger(HttpServer.class.getName()).log(System.Logger.Level.WARNING,
                    "stopping the listener: {0}", e.getMessage());
        } finally {
            budget.close();
            bodies.close();
        }
    }

    private static void logAccess(Request req, org.eclipse.jetty.server.Response res) {
        long ms = (System.nanoTime() - req.getHeadersNanoTime()) / 1_000_000;
        ACCESS.log(System.Logger.Level.INFO, "{0} \"{1} {2} {3}\" {4} {5}ms", Request.getRemoteAddr(req),
                req.getMethod(), req.getHttpURI().getPath(), req.getConnectionMetaData().getProtocol(),
                Integer.toString(res.getStatus()), Long.toString(ms));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
