import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;

import java.nio.charset.StandardCharsets;

/**
 * The benchmark's yardstick: the same web server (Helidon SE 4.5.0, same jars as the control plane) answering a
 * constant {"status":"ok"} on GET /hello with no filters and no application code. Run in source-launch mode:
 * {@code java -cp "target/libs/*" bench/baseline/HelloServer.java <port>}.
 */
public final class HelloServer {
    private static final byte[] OK = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);

    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args[0]);
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(port)
                .routing(r -> r.get("/hello", (req, res) -> {
                    res.header(HeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
                    res.send(OK);
                }))
                .build()
                .start();
        System.out.println("hello baseline listening on http://127.0.0.1:" + server.port());
        Thread.currentThread().join();
    }
}
