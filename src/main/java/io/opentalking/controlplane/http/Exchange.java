package io.opentalking.controlplane.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;

/**
 * One request and its answer, as the route classes see them: blocking calls on a virtual thread, so a handler
 * reads like the sequence it is. Either {@link #send} a whole body (written once, with a Content-Length), or
 * {@link #openStream} and write to it until the stream ends.
 */
public final class Exchange {
    private final Request request;
    private final Response response;
    private Map<String, String> params = Map.of();
    private String route = Router.UNMATCHED;
    private byte[] pending;
    private OutputStream stream;
    private boolean drained;

    Exchange(Request request, Response response) {
        this.request = request;
        this.response = response;
    }

    public String method() {
        return request.getMethod();
    }

    /** The decoded path, without the query. */
    public String path() {
        return request.getHttpURI().getDecodedPath();
    }

    public Optional<String> query() {
        return Optional.ofNullable(request.getHttpURI().getQuery());
    }

    public Optional<String> header(String name) {
        return Optional.ofNullable(request.getHeaders().get(name));
    }

    /** A {@code {name}} segment of the route template that matched. */
    public String pathParam(String name) {
        String v = params.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no path parameter " + name + " in " + route);
        }
        return v;
    }

    /** The client's IP address as the socket sees it (a proxy in front shows as itself). */
    public String clientAddress() {
        return Request.getRemoteAddr(request);
    }

    public boolean isHttp10() {
        return request.getConnectionMetaData().getHttpVersion() == HttpVersion.HTTP_1_0;
    }

    /** The route template that matched, or {@code unmatched}: a bounded set of values, fit for a metric label. */
    public String route() {
        return route;
    }

    public int status() {
        return response.getStatus();
    }

    public Exchange header(String name, String value) {
        response.getHeaders().put(name, value);
        return this;
    }

    public void send(int status, String contentType, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        pending = body;
    }

    public void json(int status, Object body) {
        try {
            send(status, Json.CONTENT_TYPE, Json.MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response not serializable", e);
        }
    }

    /** A status with no body (204, 307). */
    public void empty(int status) {
        response.setStatus(status);
        pending = new byte[0];
    }

    /**
     * Commits the status and headers and returns a stream whose every write goes out at once. On HTTP/1.1 the
     * body is chunked; on HTTP/1.0 it ends when the connection closes. Closing the stream ends the answer.
     */
    public OutputStream openStream(int status, String contentType) throws IOException {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        stream = Content.Sink.asOutputStream(response);
        stream.flush();
        return stream;
    }

    boolean answered() {
        return pending != null || stream != null;
    }

    boolean streamed() {
        return stream != null;
    }

    /** Clears what a handler had set, so an error answer starts clean (only before anything was sent). */
    boolean resetForError() {
        if (stream != null || response.isCommitted()) {
            return false;
        }
        response.reset();
        pending = null;
        return true;
    }

    void matched(String template, Map<String, String> pathParams) {
        this.route = template;
        this.params = pathParams;
    }

    /** The answer says {@code Connection: close}. */
    boolean closesConnection() {
        String c = response.getHeaders().get(HttpHeader.CONNECTION);
        return c != null && c.toLowerCase(java.util.Locale.ROOT).contains("close");
    }

    /** True the first time: an unread body is drained once at most. */
    boolean markDrained() {
        boolean first = !drained;
        drained = true;
        return first;
    }

    Request request() {
        return request;
    }

    /** Writes the pending body as the last content, or ends a stream, then completes the exchange. */
    void complete(Callback callback) {
        if (stream != null) {
            try {
                stream.close();
                callback.succeeded();
            } catch (IOException | RuntimeException e) {
                callback.failed(e);
            }
            return;
        }
        byte[] body = pending == null ? new byte[0] : pending;
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
