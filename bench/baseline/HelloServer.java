import io.helidon.http.HeaderNames;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.sse.SseSink;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The benchmark's yardstick: the same web server (Helidon SE 4.5.0, same jars as the control plane) answering a
 * constant {"status":"ok"} on GET /hello (and GET /healthz, the same) with no filters and no application code. Run
 * in source-launch mode: {@code java -cp "target/libs/*" bench/baseline/HelloServer.java <port>}.
 * <p>
 * GET /sse holds a Server-Sent Events stream open (Helidon SSE, a comment every 15 s), for bench/server-compare.sh,
 * which compares this server with the bare Jetty one (JettyHello.java). Helidon runs each connection on a virtual
 * thread; the stream's handler sleeps on it between comments.
 */
public final class HelloServer {
    private static final byte[] OK = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
    private static final long SSE_PERIOD_MS = 15_000;

    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args[0]);
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(port)
                .routing(r -> r.get("/hello", HelloServer::ok)
                        .get("/healthz", HelloServer::ok)
                        .get("/sse", HelloServer::sse))
                .build()
                .start();
        System.out.println("hello baseline listening on http://127.0.0.1:" + server.port());
        Thread.currentThread().join();
    }

    private static void ok(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
        res.send(OK);
    }

    private static void sse(ServerRequest req, ServerResponse res) {
        try (SseSink sink = res.sink(SseSink.TYPE)) {
            sink.emit(SseEvent.builder().comment("open").build());
            while (true) {
                Thread.sleep(SSE_PERIOD_MS);
                sink.emit(SseEvent.builder().comment("keep-alive").build());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (UncheckedIOException e) {
            // the client went away
        }
    }
}
