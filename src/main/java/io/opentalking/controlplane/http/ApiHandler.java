package io.opentalking.controlplane.http;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.util.Set;
import java.util.TreeSet;

/**
 * The one Jetty handler: CORS, routing (404, 405 with Allow, 307 for a trailing slash), the route itself on a
 * virtual thread, the error mapping, and one observation per request.
 */
final class ApiHandler extends Handler.Abstract {
    private final Router router;
    private final RequestBodies bodies;
    private final CorsPolicy cors;
    private final RequestObserver observer;
    private final Set<String> knownMethods;

    ApiHandler(Router router, CorsPolicy cors, RequestObserver observer, RequestBodies bodies) {
        this.router = router;
        this.bodies = bodies;
        this.cors = cors;
        this.observer = observer;
        Set<String> m = new TreeSet<>(router.methods());
        m.add("OPTIONS");
        m.add("HEAD");
        this.knownMethods = Set.copyOf(m);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long t0 = System.nanoTime();
        Exchange ex = new Exchange(request, response);
        try {
            if (!(cors.enabled() && cors.apply(ex))) {
                dispatch(ex);
            }
        } catch (Throwable e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            ErrorMapping.send(ex, ErrorMapping.answer(e, ex.method(), ex.path()));
            if (cors.enabled() && !ex.streamed()) {
                cors.apply(ex);
            }
        }
        if (!ex.answered()) {
            ex.empty(204);
        }
        // An answer that closes the connection anyway (overload, a body cut short) spends no reads on the rest.
        if (!ex.streamed() && !ex.closesConnection()) {
            bodies.drain(ex);
        }
        ex.complete(callback);
        observer.requestServed(ex.route(), knownMethods.contains(ex.method()) ? ex.method() : "other", ex.status(),
                System.nanoTime() - t0);
        return true;
    }

    private void dispatch(Exchange ex) throws Exception {
        switch (router.match(ex.method(), ex.path(), ex.query().orElse(null))) {
            case Router.Match.Found f -> {
                ex.matched(f.template(), f.params());
                f.route().handle(ex);
            }
            case Router.Match.Redirect r -> {
                ex.header("Location", r.location());
                ex.json(307, Json.detail("Temporary Redirect"));
            }
            case Router.Match.NotAllowed n when ex.method().equals("OPTIONS") -> {
                // Not a CORS preflight (those are answered before routing): say what the path takes. HAProxy's
                // default health check is "OPTIONS / HTTP/1.0" and wants a 2xx.
                ex.header("Allow", String.join(", ", n.allowed()) + ", OPTIONS");
                ex.empty(204);
            }
            case Router.Match.NotAllowed n -> {
                ex.header("Allow", String.join(", ", n.allowed()));
                ex.json(405, Json.detail("Method Not Allowed"));
            }
            case Router.Match.NotFound n -> ex.json(404, Json.detail("Not Found"));
        }
    }
}
