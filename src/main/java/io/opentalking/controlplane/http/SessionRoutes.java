package io.opentalking.controlplane.http;

import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.opentalking.controlplane.sessions.Session;
import io.opentalking.controlplane.sessions.SessionService;
import io.opentalking.controlplane.sessions.SessionView;

import java.util.LinkedHashMap;
import java.util.Map;

/** The session routes; each handler parses, calls the service once and writes the answer. */
final class SessionRoutes {
    private final SessionService sessions;
    private final SessionEventStream events;
    private final int maxBody;

    SessionRoutes(SessionService sessions, SessionEventStream events, int maxBody) {
        this.sessions = sessions;
        this.events = events;
        this.maxBody = maxBody;
    }

    void register(HttpRouting.Builder routing, RouteTable table) {
        table.add(routing, "POST", "/sessions", this::create);
        table.add(routing, "GET", "/sessions/{id}", this::get);
        table.add(routing, "POST", "/sessions/{id}/start", this::start);
        table.add(routing, "DELETE", "/sessions/{id}", this::delete);
        table.add(routing, "GET", "/sessions/{id}/events", events::stream);
    }

    private void create(ServerRequest req, ServerResponse res) {
        Session s = sessions.create(RequestBodies.createSession(RequestBodies.read(req, maxBody)));
        Json.send(res, 200, Json.obj("session_id", s.id(), "status", s.state().wireName()));
    }

    private void get(ServerRequest req, ServerResponse res) {
        SessionView v = sessions.get(id(req));
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
        Json.send(res, 200, body);
    }

    private void start(ServerRequest req, ServerResponse res) {
        Session s = sessions.start(id(req));
        Json.send(res, 200, Json.obj("session_id", s.id(), "status", s.state().wireName()));
    }

    private void delete(ServerRequest req, ServerResponse res) {
        Session s = sessions.delete(id(req));
        Json.send(res, 200, Json.obj("session_id", s.id(), "status", s.state().wireName()));
    }

    static String id(ServerRequest req) {
        return req.path().pathParameters().get("id");
    }
}
