import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A bare Jetty 12.1 core server (no servlets, no application code): the yardstick of bench/run.sh (the same
 * web server as the control plane, with nothing of ours) and the Jetty counterpart of {@code HelloServer} for
 * bench/server-compare.sh:
 * <ul>
 *   <li>{@code GET /healthz} and {@code GET /hello}: {@code {"status":"ok"}} as application/json;</li>
 *   <li>{@code GET /sse}: a Server-Sent Events stream held open, a comment line every 15 s. The writes are
 *       asynchronous (Jetty's scheduler, {@code Response.write} with a callback): an open stream holds no thread.</li>
 * </ul>
 * Threads: the layout the Jetty 12 programming guide gives for virtual threads, a {@link QueuedThreadPool} (platform
 * threads for the selectors and acceptors) whose virtual-threads executor is a {@link VirtualThreadPool}, so that
 * blocking handlers run on virtual threads. Everything else is Jetty's default (connector idle timeout 30 s, no
 * connection limit, no minimum data rate), so that the comparison measures the defaults.
 * <p>
 * Run: {@code java -cp "target/libs/*" bench/baseline/JettyHello.java <port>} (the control plane's own Jetty jars),
 * or with {@code target/bench-jetty-libs} from {@code ./mvnw -B -q -f bench/baseline/jetty/pom.xml
 * dependency:copy-dependencies}.
 */
public final class JettyHello {
    private static final ByteBuffer OK = ByteBuffer.wrap("{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8))
            .asReadOnlyBuffer();
    private static final HttpField JSON = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");
    private static final HttpField EVENT_STREAM = new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "text/event-stream");
    private static final HttpField NO_CACHE = new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, "no-cache");
    private static final byte[] OPENED = ": open\n\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] KEEPALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.UTF_8);
    private static final long SSE_PERIOD_S = 15;

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);

        VirtualThreadPool virtual = new VirtualThreadPool();
        virtual.setName("jetty-vt");
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("jetty");
        threads.setVirtualThreadsExecutor(virtual);

        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new Hello());
        server.start();
        System.out.println("jetty baseline listening on http://127.0.0.1:" + connector.getLocalPort());
        server.join();
    }

    static final class Hello extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            if (!HttpMethod.GET.is(request.getMethod())) {
                return false;   // the server answers 404
            }
            switch (Request.getPathInContext(request)) {
                case "/healthz", "/hello" -> {
                    response.setStatus(HttpStatus.OK_200);
                    response.getHeaders().put(JSON);
                    response.write(true, OK.slice(), callback);
                    return true;
                }
                case "/sse" -> {
                    response.setStatus(HttpStatus.OK_200);
                    response.getHeaders().put(EVENT_STREAM);
                    response.getHeaders().put(NO_CACHE);
                    new Stream(request, response, callback).write(OPENED);
                    return true;
                }
                default -> {
                    return false;
                }
            }
        }
    }

    /** One open event stream: writes a comment, then schedules the next one when the write completed. */
    static final class Stream implements Callback {
        private final Response response;
        private final Callback done;
        private final Scheduler scheduler;

        Stream(Request request, Response response, Callback done) {
            this.response = response;
            this.done = done;
            this.scheduler = request.getComponents().getScheduler();
        }

        void write(byte[] bytes) {
            response.write(false, ByteBuffer.wrap(bytes), this);
        }

        @Override
        public void succeeded() {
            scheduler.schedule(() -> write(KEEPALIVE), SSE_PERIOD_S, TimeUnit.SECONDS);
        }

        @Override
        public void failed(Throwable cause) {
            done.failed(cause);   // the client went away (or the idle timeout struck): end the exchange
        }
    }
}
