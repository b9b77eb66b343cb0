package io.opentalking.controlplane.http;

import io.opentalking.controlplane.sessions.Session;
import io.opentalking.controlplane.sessions.SessionService;
import io.opentalking.controlplane.sessions.SessionView;

import java.util.LinkedHashMap;
import java.util.Map;

/** The session routes; each handler parses, calls the service once and writes the answer. */
final class SessionRoutes implements Router.Routes {
    private final SessionService sessions;
    private final RequestBodies bodies;
    private final RateLimiter creates;

    SessionRoutes(SessionService sessions, RequestBodies bodies, RateLimiter creates) {
        this.sessions = sessions;
        this.bodies = bodies;
        this.creates = creates;
    }

    @Override
    public void register(Router router) {
        router.post("/sessions", this::create)
                .get("/sessions/{id}", this::get)
                .post("/sessions/{id}/start", this::start)
                .delete("/sessions/{id}", this::delete);
    }

    private void create(Exchange ex) {
        // Media type before anything else: a cross-site form post (text/plain) must change nothing.
        RequestBodies.requireJson(ex);
        long wait = creates.acquire(ex.clientAddress());
        if (wait > 0) {
            throw new ApiError(429, "too many sessions created from this address; try again later",
                    Map.of("Retry-After", Long.toString(wait)));
        }
        Session s = sessions.create(RequestBodies.createSession(bodies.read(ex)));
        ex.json(200, Json.obj("session_id", s.id(), "status", s.state().wireName()));
    }

    private void get(Exchange ex) {
        SessionView v = sessions.get(ex.pathParam("id"));
        Session s = v.session();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("session_id", s.id());
        body.put("state", s.state().wireName());
        body.put("model", s.model());
        body.put("avatar_id", s.avatarId());
        body.put("created_at", s.createdAt().toString());
        body.put("updated_at", s.updatedAt().toString());
        if (!s.stateReason().isEmpty()) {
            body.put("reason", s.stateReason());
        }
        v.queuePosition().ifPresent(p -> body.put("queue_position", p));
        body.putAll(s.options());
        ex.json(200, body);
    }

    private void start(Exchange ex) {
        // A bare POST (no body, no type) carries nothing to parse; anything with a body must say it is JSON.
        if (!(RequestBodies.hasNoBody(ex) && ex.header("Content-Type").isEmpty())) {
            RequestBodies.requireJson(ex);
            bodies.read(ex);
        }
        Session s = sessions.start(ex.pathParam("id"));
        ex.json(200, Json.obj("session_id", s.id(), "status", s.state().wireName()));
    }

    private void delete(Exchange ex) {
        Session s = sessions.delete(ex.pathParam("id"));
        ex.json(200, Json.obj("session_id", s.id(), "status", s.state().wireName()));
    }
}
