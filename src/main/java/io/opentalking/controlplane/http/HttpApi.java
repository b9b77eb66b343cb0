package io.opentalking.controlplane.http;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.HttpRouting;
import io.opentalking.controlplane.availability.ModelAvailability;
import io.opentalking.controlplane.avatars.AvatarCatalog;
import io.opentalking.controlplane.config.ServerConfig;
import io.opentalking.controlplane.events.EventBus;
import io.opentalking.controlplane.queue.QueueStatusReader;
import io.opentalking.controlplane.sessions.SessionService;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;

/** Assembles the routing: filters, every route group, the error mapping and the 404/405 fallback. */
public final class HttpApi {
    /** A route group contributed from outside this package (operations pages, metrics). */
    public interface Extension extends BiConsumer<HttpRouting.Builder, Registrar> {
    }

    /** Lets an extension register routes so they count for 405 detection. */
    public interface Registrar {
        void get(String pattern, io.helidon.webserver.http.Handler handler);
    }

    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(15);

    private HttpApi() {
    }

    public static HttpRouting.Builder routing(ServerConfig server, ModelAvailability availability,
                                              QueueStatusReader queueStatus, AvatarCatalog avatars,
                                              SessionService sessions, EventBus events, Duration sseKeepAlive,
                                              List<Filter> filters, List<Extension> extensions, OpenStreams streams,
                                              Clock clock) {
        HttpRouting.Builder routing = HttpRouting.builder();
        for (Filter f : filters) {
            routing.addFilter(f);
        }
        if (!server.corsOrigins().isEmpty()) {
            routing.addFilter(new CorsFilter(server.corsOrigins()));
        }
        if (server.accessLog()) {
            routing.addFilter(new AccessLogFilter());
        }
        RouteTable table = new RouteTable();
        new HealthRoutes().register(routing, table);
        new ModelRoutes(availability, clock).register(routing, table);
        new QueueRoutes(queueStatus).register(routing, table);
        new AvatarRoutes(avatars).register(routing, table);
        new SessionRoutes(sessions, new SessionEventStream(sessions, events, sseKeepAlive, streams),
                server.maxRequestBodyBytes()).register(routing, table);
        for (Extension e : extensions) {
            e.accept(routing, (pattern, handler) -> table.add(routing, "GET", pattern, handler));
        }
        ErrorMapping.install(routing);
        table.installFallback(routing);
        return routing;
    }

    /** For extensions: write a JSON body the same way the API does. */
    public static void sendJson(io.helidon.webserver.http.ServerResponse res, int status, Object body) {
        Json.send(res, status, body);
    }

    /** The /models body, for extensions that show the same table. */
    public static java.util.Map<String, Object> modelsBody(io.opentalking.controlplane.availability.ModelsSnapshot s) {
        return ModelRoutes.body(s);
    }
}
