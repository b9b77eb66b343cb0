package io.opentalking.controlplane.availability;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one HTTP client all probes share: pooled connections, no redirects, HTTP/1.1, every call bounded by a
 * deadline that covers connect, headers and body, and bodies capped at 1 MiB.
 */
public final class ProbeHttp implements AutoCloseable {
    private final Duration connectTimeout;
    /** Built at the first probe: building loads the JDK's TLS trust store (~100 ms), which a server whose
     * backends are all local or unset never needs, and which must not delay the listener. */
    private HttpClient client;
    private boolean closed;

    public ProbeHttp(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    private synchronized HttpClient client() {
        if (closed) {
            throw new IllegalStateException("probe HTTP client closed");
        }
        if (client == null) {
            client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(connectTimeout)
                    .proxy(HttpClient.Builder.NO_PROXY)
                    .executor(Executors.newVirtualThreadPerTaskExecutor())
                    .build();
        }
        return client;
    }

    HttpOutcome get(URI uri, Map<String, String> headers, Duration budget) {
        if (budget.isNegative() || budget.isZero()) {
            return timeout(uri, budget);
        }
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).GET().timeout(budget)
                .header("Accept", "application/json");
        headers.forEach(req::header);
        CompletableFuture<HttpResponse<byte[]>> f =
                client().sendAsync(req.build(), CappedBody.handler(CappedBody.ONE_MIB));
        try {
            HttpResponse<byte[]> r = f.get(budget.toMillis(), TimeUnit.MILLISECONDS);
            return new HttpOutcome.Answered(r.statusCode(), r.body());
        } catch (TimeoutException e) {
            f.cancel(true);
            return timeout(uri, budget);
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            return new HttpOutcome.Failed(HttpOutcome.Kind.TRANSPORT, "probe interrupted");
        } catch (ExecutionException e) {
            return classify(uri, budget, e.getCause());
        }
    }

    private static HttpOutcome classify(URI uri, Duration budget, Throwable cause) {
        Throwable c = cause;
        while (c != null) {
            if (c instanceof CappedBody.TooLarge) {
                return new HttpOutcome.Failed(HttpOutcome.Kind.TOO_LARGE,
                        safe(uri) + " answered a body larger than 1 MiB");
            }
            if (c instanceof HttpConnectTimeoutException || c instanceof HttpTimeoutException) {
                return timeout(uri, budget);
            }
            if (c instanceof ConnectException) {
                return new HttpOutcome.Failed(HttpOutcome.Kind.REFUSED, "connection to " + safe(uri) + " refused");
            }
            c = c.getCause();
        }
        String msg = cause == null || cause.getMessage() == null ? String.valueOf(cause) : cause.getMessage();
        return new HttpOutcome.Failed(HttpOutcome.Kind.TRANSPORT, "GET " + safe(uri) + " failed: " + shorten(msg));
    }

    private static HttpOutcome timeout(URI uri, Duration budget) {
        return new HttpOutcome.Failed(HttpOutcome.Kind.TIMEOUT, ProbeResult.timeoutDetail("GET " + safe(uri), budget));
    }

    /** The URI without user info, for details shown to people. */
    static String safe(URI uri) {
        return uri.getScheme() + "://" + ProbeUrls.hostPort(uri) + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    private static String shorten(String s) {
        return s.length() > 160 ? s.substring(0, 160) + "…" : s;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (client != null) {
            client.close();
        }
    }
}
