package io.opentalking.controlplane.http;

import io.opentalking.controlplane.availability.ModelAvailability;
import io.opentalking.controlplane.avatars.AvatarCatalog;
import io.opentalking.controlplane.config.LimitsConfig;
import io.opentalking.controlplane.config.ServerConfig;
import io.opentalking.controlplane.events.EventBus;
import io.opentalking.controlplane.queue.QueueStatusReader;
import io.opentalking.controlplane.readiness.Readiness;
import io.opentalking.controlplane.sessions.SessionService;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Everything the HTTP layer serves and how: the domain services, the listener's settings, and route groups
 * contributed from outside this package (operations pages).
 *
 * @param sseKeepAlive the comment period of event streams (tests shorten it)
 * @param readiness    what {@code GET /readyz} answers
 */
public record ApiServices(ServerConfig server, LimitsConfig limits, ModelAvailability availability,
                          QueueStatusReader queueStatus, AvatarCatalog avatars, SessionService sessions,
                          EventBus events, Clock clock, Duration sseKeepAlive, List<Router.Routes> extraRoutes,
                          RequestObserver observer, Readiness readiness) {
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(15);

    public ApiServices {
        extraRoutes = List.copyOf(extraRoutes);
    }
}
