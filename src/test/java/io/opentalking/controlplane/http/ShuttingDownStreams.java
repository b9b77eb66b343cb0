package io.opentalking.controlplane.http;

import io.opentalking.controlplane.availability.ModelAvailability;
import io.opentalking.controlplane.availability.ModelsSnapshot;
import io.opentalking.controlplane.availability.ProbeObserver;
import io.opentalking.controlplane.config.LimitsConfig;
import io.opentalking.controlplane.config.ProbeConfig;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A real listener on port 0 serving the real {@code GET /models/events} route whose streams are being ended, as
 * in the moment of shutdown between ending the streams and stopping the listener. That moment is too short to
 * hit from outside a whole server, so this holds it open for a test (and OpenApiIT's check of the 204).
 */
public final class ShuttingDownStreams implements AutoCloseable {
    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);

    public ShuttingDownStreams() {
        ProbeConfig probes = new ProbeConfig(ProbeConfig.DEFAULT_TIMEOUT, ProbeConfig.DEFAULT_REFRESH,
                ProbeConfig.DEFAULT_OMNIRT_LISTING_TIMEOUT, 1, 1, Optional.empty(), Optional.empty(), "/m", "/a",
                Optional.empty(), false);
        ModelAvailability availability = new ModelAvailability(late -> new ModelsSnapshot(List.of(),
                Optional.empty(), Clock.systemUTC().instant(), Duration.ZERO), probes, ProbeObserver.NONE,
                Clock.systemUTC());
        OpenStreams open = new OpenStreams();
        open.closeAll();
        Router router = new Router().add(new ModelEventStream(availability, Duration.ofSeconds(1), open,
                new StreamBudget(LimitsConfig.DEFAULT_MAX_EVENT_STREAMS, 1), () -> {
        }));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new ApiHandler(router, new CorsPolicy(List.of()), RequestObserver.NONE,
                new RequestBodies(1024, Duration.ofSeconds(1))));
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the listener", e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + connector.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
