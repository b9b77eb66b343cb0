import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The benchmark's yardstick: a bare Jetty 12 core server (same jars as the control plane, Jetty's default thread
 * pool and connector) answering a constant {"status":"ok"} on GET /hello, with no application code. Source-launch:
 * {@code java -cp "target/libs/*" bench/baseline/JettyHello.java <port>}.
 */
public final class JettyHello {
    private static final ByteBuffer OK = ByteBuffer.wrap("{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8))
            .asReadOnlyBuffer();

    public static void main(String[] args) throws Exception {
        Server server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);   // as the control plane: no Server header
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(Integer.parseInt(args[0]));
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                if (!"/hello".equals(Request.getPathInContext(request))) {
                    Response.writeError(request, response, callback, 404);
                    return true;
                }
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
                response.write(true, OK.slice(), callback);
                return true;
            }
        });
        server.start();
        System.out.println("hello baseline listening on http://127.0.0.1:" + connector.getLocalPort());
        server.join();
    }
}
