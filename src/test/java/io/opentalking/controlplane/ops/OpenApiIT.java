package io.opentalking.controlplane.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.opentalking.controlplane.testing.FreePorts;
import io.opentalking.controlplane.testing.RawHttp;
import io.opentalking.controlplane.testing.SseClient;
import io.opentalking.controlplane.testing.TestHttp;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document against the live server: the document is valid OpenAPI 3.1, every route the server has is
 * documented and vice versa, and every documented answer (200s and the reachable errors) is produced for real and
 * checked against its documented status, media type, headers and JSON Schema.
 */
class OpenApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
            .formatAssertionsEnabled(true).build();
    private static final String FLASHTALK = "{\"avatar_id\":\"demo-avatar\",\"model\":\"flashtalk\"}";
    private static final String MOCK = "{\"avatar_id\":\"demo-avatar\",\"model\":\"mock\"}";

    /** Every route the server serves, as "METHOD path" with OpenAPI path templates. */
    private static final Set<String> SERVER_ROUTES = Set.of(
            "GET /health", "GET /healthz", "GET /readyz", "GET /models", "GET /models/events", "GET /queue/status",
            "GET /avatars", "GET /avatars/{id}", "GET /avatars/{id}/preview",
            "POST /sessions", "GET /sessions/{id}", "POST /sessions/{id}/start", "DELETE /sessions/{id}",
            "GET /sessions/{id}/events",
            "GET /metrics", "GET /openapi.json", "GET /", "GET /status.json", "GET /status/app.js",
            "GET /status/style.css");

    private static TestServer server;
    private static TestServer storeDown;
    private static JsonNode doc;
    /** "METHOD path status" of every documented answer this test produced. */
    private static final Set<String> exercised = new TreeSet<>();

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of(
                "OPENTALKING_FLASHTALK_WS_URL", "ws://127.0.0.1:1",
                "OPENTALKING_FLASHTALK_MAX_QUEUE_SIZE", "1",
                "OPENTALKING_DEFAULT_MODEL", "mock"));
        storeDown = TestServer.start(Map.of(
                "OPENTALKING_REDIS_URL", "redis://127.0.0.1:" + FreePorts.free() + "/0",
                "OPENTALKING_CORS_ORIGINS", "http://allowed.example",
                "OPENTALKING_READY_REQUIRES_STORE", "1"));
        TestHttp.Reply r = server.http().get("/openapi.json");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        doc = r.json();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (storeDown != null) {
            storeDown.close();
        }
    }

    // ---- the document itself ----

    @Test
    void documentIsValidOpenApi31() throws Exception {
        JsonNode oasSchema;
        try (InputStream in = java.nio.file.Files.newInputStream(
                io.opentalking.controlplane.testing.OasSchema.file())) {
            oasSchema = JSON.readTree(in);
        }
        // Formats as annotations here, as 2020-12 has them by default: this 2021-04-15 schema gives a Reference
        // Object's $ref and a server url the format "uri" (absolute), which rejects the relative references
        // "#/components/..." and the url "/" that the specification itself allows (later schemas fixed that).
        Set<ValidationMessage> errors = SCHEMAS.getSchema(oasSchema).validate(doc);
        assertThat(errors).as("OpenAPI 3.1 schema violations").isEmpty();
        assertThat(doc.get("openapi").asText()).startsWith("3.1.");

        // Every $ref resolves inside the document, and every component schema is a valid schema that compiles.
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertThat(refs).isNotEmpty().allSatisfy(ref -> {
            assertThat(ref).startsWith("#/");
            assertThat(doc.at(ref.substring(1)).isMissingNode()).as("unresolved " + ref).isFalse();
        });
        doc.get("components").get("schemas").fieldNames().forEachRemaining(name ->
                schema(JSON.createObjectNode().put("$ref", "#/components/schemas/" + name)));
    }

    @Test
    void everyServerRouteIsDocumentedAndViceVersa() {
        Set<String> documented = new TreeSet<>();
        doc.get("paths").fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(m ->
                documented.add(m.toUpperCase() + " " + p.getKey())));
        assertThat(documented).isEqualTo(new TreeSet<>(SERVER_ROUTES));

        // The server's own view: a method it does not serve on a documented path is answered 405 with an Allow
        // header listing exactly the documented methods; the documented methods are not 404/405.
        doc.get("paths").fields().forEachRemaining(p -> {
            String path = concrete(p.getKey());
            Set<String> methods = new TreeSet<>();
            p.getValue().fieldNames().forEachRemaining(m -> methods.add(m.toUpperCase()));
            TestHttp.Reply r = server.http().method("PUT", path);
            check("PUT", p.getKey(), r, 405, responseRef("MethodNotAllowed"));
            Set<String> allow = Arrays.stream(r.header("Allow").split(",")).map(String::trim)
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(allow).as("Allow for " + p.getKey()).isEqualTo(methods);
        });
        check("GET", "/no/such/route", server.http().get("/no/such/route"), 404, responseRef("NotFound"));
    }

    @Test
    void schemaChecksReallyRejectWhatTheDocumentForbids() {
        // Guards the checks below against passing vacuously.
        JsonNode health = JSON.createObjectNode().put("$ref", "#/components/schemas/Health");
        assertThat(schema(health).validate(parse("{\"status\":\"ok\"}"))).isEmpty();
        assertThat(schema(health).validate(parse("{\"status\":\"ok\",\"extra\":1}"))).isNotEmpty();
        JsonNode models = JSON.createObjectNode().put("$ref", "#/components/schemas/Models");
        assertThat(schema(models).validate(parse("{\"models\":[],\"statuses\":[{\"id\":\"x\",\"backend\":"
                + "\"mock\",\"connected\":true,\"reason\":\"made_up\"}],\"default_model\":null}"))).isNotEmpty();
        JsonNode created = JSON.createObjectNode().put("$ref", "#/components/schemas/SessionCreated");
        assertThat(schema(created).validate(parse("{\"session_id\":\"not-a-uuid\",\"status\":\"created\"}")))
                .as("format assertions are on").isNotEmpty();
        JsonNode session = JSON.createObjectNode().put("$ref", "#/components/schemas/Session");
        assertThat(schema(session).validate(parse("{\"session_id\":\"a\",\"state\":\"created\",\"model\":"
                + "\"mock\",\"avatar_id\":\"d\",\"created_at\":\"yesterday\",\"updated_at\":"
                + "\"2026-01-01T00:00:00Z\"}"))).isNotEmpty();
    }

    // ---- every documented answer, produced for real ----

    @Test
    void healthModelsQueueAndOperations() {
        TestHttp http = server.http();
        check("GET", "/health", http.get("/health"), 200);
        check("GET", "/healthz", http.get("/healthz"), 200);
        TestHttp.Reply models = check("GET", "/models", http.get("/models"), 200);
        // After a round (the /models above waited for the first): ready; the unreachable store is a reason.
        check("GET", "/readyz", http.get("/readyz"), 200);
        storeDown.http().get("/models");
        assertThat(check("GET", "/readyz", storeDown.http().get("/readyz"), 503).json().get("reasons").get(0)
                .asText()).startsWith("store unreachable");
        checkModelEvents(modelEvents(server.port()), models.json().get("statuses").size());
        try (io.opentalking.controlplane.http.ShuttingDownStreams closing =
                     new io.opentalking.controlplane.http.ShuttingDownStreams()) {
            check("GET", "/models/events", new TestHttp(closing.url()).get("/models/events"), 204);
        }
        assertThat(models.json().get("default_model").asText()).isEqualTo("mock");
        TestHttp.Reply queue = check("GET", "/queue/status", http.get("/queue/status"), 200);
        assertThat(queue.header("X-Queue-Status-Source")).isEqualTo("memory");
        TestHttp.Reply degraded = check("GET", "/queue/status", storeDown.http().get("/queue/status"), 200);
        assertThat(degraded.header("X-Queue-Status-Source")).isEqualTo("unavailable");
        check("GET", "/status.json", http.get("/status.json"), 200);
        check("GET", "/status.json", storeDown.http().get("/status.json"), 200);
        TestHttp.Reply metrics = check("GET", "/metrics", http.get("/metrics"), 200);
        assertThat(metrics.body()).contains("opentalking_model_connected");
        check("GET", "/openapi.json", http.get("/openapi.json"), 200);
        assertThat(check("GET", "/", http.get("/"), 200).body()).contains("<table");
        check("GET", "/status/app.js", http.get("/status/app.js"), 200);
        check("GET", "/status/style.css", http.get("/status/style.css"), 200);
    }

    @Test
    void avatars() {
        TestHttp http = server.http();
        TestHttp.Reply list = check("GET", "/avatars", http.get("/avatars"), 200);
        assertThat(list.json().get(0).get("id").asText()).isEqualTo("demo-avatar");
        check("GET", "/avatars/{id}", http.get("/avatars/demo-avatar"), 200);
        check("GET", "/avatars/{id}", http.get("/avatars/no-such-avatar"), 404);
        check("GET", "/avatars/{id}", http.get("/avatars/..%2F..%2Fetc"), 404);
        TestHttp.Reply png = check("GET", "/avatars/{id}/preview", http.get("/avatars/demo-avatar/preview"), 200);
        assertThat(png.body().substring(1, 4)).isEqualTo("PNG");
        check("GET", "/avatars/{id}/preview", http.get("/avatars/no-such-avatar/preview"), 404);
    }

    @Test
    void sessions() {
        TestHttp http = server.http();
        // 400s, in the order the server checks.
        check("POST", "/sessions", http.post("/sessions", "not json"), 400);
        check("POST", "/sessions", http.post("/sessions", "[1]"), 400);
        check("POST", "/sessions", http.post("/sessions", "{\"avatar_id\":\"demo-avatar\"}"), 400);
        check("POST", "/sessions", http.post("/sessions", "{\"avatar_id\":1,\"model\":\"mock\"}"), 400);
        assertThat(check("POST", "/sessions", http.post("/sessions", "{\"avatar_id\":\"../x\",\"model\":\"mock\"}"),
                400).json().get("detail").asText()).isEqualTo("invalid avatar_id");
        assertThat(check("POST", "/sessions", http.post("/sessions", "{\"avatar_id\":\"nope\",\"model\":\"mock\"}"),
                400).json().get("detail").asText()).isEqualTo("avatar not found");
        assertThat(check("POST", "/sessions", http.post("/sessions",
                "{\"avatar_id\":\"demo-avatar\",\"model\":\"wav2lip\"}"), 400).json().get("detail").asText())
                .startsWith("model 'wav2lip' is not yet supported on this deployment. Currently available: ");
        check("POST", "/sessions", http.post("/sessions", "{\"avatar_id\":\"demo-avatar\",\"model\":\"mock\",\"pad\":\""
                + "x".repeat(70 * 1024) + "\"}"), 413);

        // A mock session through its whole life, with every optional field.
        TestHttp.Reply created = check("POST", "/sessions", http.post("/sessions", "{\"avatar_id\":\"demo-avatar\","
                + "\"model\":\" Mock \",\"tts_provider\":\"edge\",\"tts_voice\":\"v\",\"tts_model\":\"m\","
                + "\"llm_system_prompt\":\"be brief\",\"wav2lip_postprocess_mode\":\"off\",\"stt_provider\":\"s\","
                + "\"user_id\":\"u1\",\"unknown_field\":true}"), 200);
        String id = created.json().get("session_id").asText();
        assertThat(created.json().get("status").asText()).isEqualTo("created");
        TestHttp.Reply got = check("GET", "/sessions/{id}", http.get("/sessions/" + id), 200);
        assertThat(got.json().get("tts_voice").asText()).isEqualTo("v");
        check("POST", "/sessions/{id}/start", http.post("/sessions/" + id + "/start", ""), 200);
        check("POST", "/sessions/{id}/start", http.post("/sessions/" + id + "/start", ""), 409);
        check("GET", "/sessions/{id}", http.get("/sessions/" + id), 200);
        check("DELETE", "/sessions/{id}", http.delete("/sessions/" + id), 200);
        check("DELETE", "/sessions/{id}", http.delete("/sessions/" + id), 200);
        check("GET", "/sessions/{id}", http.get("/sessions/" + id), 200);
        checkEvents(id, 1);
        check("GET", "/sessions/{id}/events", http.get("/sessions/" + id + "/events"), 204);

        // What the protections refuse, on a server with small limits.
        try (TestServer limited = TestServer.start(Map.of("OPENTALKING_SESSION_BURST", "2",
                "OPENTALKING_SESSION_RATE", "0.01", "OPENTALKING_MAX_EVENT_STREAMS", "1",
                "OPENTALKING_HEADER_TIMEOUT_MS", "500"))) {
            check("POST", "/sessions", limited.http().send(HttpRequest.newBuilder(URI.create(limited.url() + "/sessions"))
                    .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(MOCK))), 415);
            check("POST", "/sessions", slowBody(limited.port()), 408);
            String live = check("POST", "/sessions", limited.http().post("/sessions", MOCK), 200).json()
                    .get("session_id").asText();
            check("POST", "/sessions", limited.http().post("/sessions", MOCK), 429);
            check("POST", "/sessions/{id}/start", limited.http().send(HttpRequest.newBuilder(
                    URI.create(limited.url() + "/sessions/" + live + "/start")).header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))), 415);
            try (SseClient open = new SseClient(limited.url() + "/sessions/" + live + "/events", null)) {
                assertThat(open.status()).isEqualTo(200);
                check("GET", "/sessions/{id}/events", limited.http().get("/sessions/" + live + "/events"), 503);
                check("GET", "/models/events", limited.http().get("/models/events"), 503);
            }
        }

        // Slot sessions: one holds the slot, one waits (with its position), the next is refused (503).
        TestHttp.Reply holder = check("POST", "/sessions", http.post("/sessions", FLASHTALK), 200);
        TestHttp.Reply waiter = check("POST", "/sessions", http.post("/sessions", FLASHTALK), 200);
        assertThat(waiter.json().get("status").asText()).isEqualTo("queued");
        String waiterId = waiter.json().get("session_id").asText();
        TestHttp.Reply waiting = check("GET", "/sessions/{id}", http.get("/sessions/" + waiterId), 200);
        assertThat(waiting.json().get("queue_position").asInt()).isEqualTo(1);
        check("POST", "/sessions/{id}/start", http.post("/sessions/" + waiterId + "/start", ""), 409);
        TestHttp.Reply full = check("POST", "/sessions", http.post("/sessions", FLASHTALK), 503);
        assertThat(full.json().get("detail").asText()).startsWith("queue_full");
        String holderId = holder.json().get("session_id").asText();
        check("DELETE", "/sessions/{id}", http.delete("/sessions/" + holderId), 200);
        check("DELETE", "/sessions/{id}", http.delete("/sessions/" + waiterId), 200);
        checkEvents(holderId, 2);
        checkEvents(waiterId, 2);

        // No such session.
        String nope = "00000000-0000-4000-8000-000000000000";
        check("GET", "/sessions/{id}", http.get("/sessions/" + nope), 404);
        check("POST", "/sessions/{id}/start", http.post("/sessions/" + nope + "/start", ""), 404);
        check("DELETE", "/sessions/{id}", http.delete("/sessions/" + nope), 404);
        check("GET", "/sessions/{id}/events", http.get("/sessions/" + nope + "/events"), 404);

        // The session store is down.
        check("GET", "/sessions/{id}", storeDown.http().get("/sessions/" + nope), 503);
        check("POST", "/sessions/{id}/start", storeDown.http().post("/sessions/" + nope + "/start", ""), 503);
        check("DELETE", "/sessions/{id}", storeDown.http().delete("/sessions/" + nope), 503);
        check("POST", "/sessions", storeDown.http().post("/sessions", MOCK), 503);
    }

    /** A body that stops arriving after its first byte; the server's deadline answers it. */
    private static TestHttp.Reply slowBody(int port) {
        try (RawHttp c = RawHttp.connect(port)) {
            return reply(c.send("POST /sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 50\r\n\r\n{").read(Duration.ofSeconds(5)));
        }
    }

    /** The first second of {@code GET /models/events}, over HTTP/1.0 so that the body is plain text. */
    private static TestHttp.Reply modelEvents(int port) {
        try (RawHttp c = RawHttp.connect(port)) {
            return reply(c.send("GET /models/events HTTP/1.0\r\n\r\n").read(Duration.ofSeconds(1)));
        }
    }

    private static TestHttp.Reply reply(RawHttp.Seen seen) {
        String text = seen.text();
        int split = text.indexOf("\r\n\r\n");
        Map<String, List<String>> headers = new java.util.LinkedHashMap<>();
        for (String line : text.substring(0, split).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim(), List.of(line.substring(colon + 1).trim()));
            }
        }
        return new TestHttp.Reply(seen.firstStatus(), headers, text.substring(split + 4));
    }

    /** The replayed table: one models.changed per model, each valid against its documented schema. */
    private static void checkModelEvents(TestHttp.Reply r, int models) {
        check("GET", "/models/events", r, 200);
        List<String> data = eventData(r.body(), "models.changed");
        assertThat(data).as(r.body()).hasSize(models);
        data.forEach(d -> validate(JSON.createObjectNode().put("$ref", "#/components/schemas/ModelChangedEvent"),
                parse(d), "event models.changed"));
    }

    /** The data of each event in an event-stream body, in order; every event must be named {@code name}. */
    private static List<String> eventData(String body, String name) {
        return events(body).stream().map(e -> {
            assertThat(e[0]).as("documented event").isEqualTo(name);
            return e[1];
        }).toList();
    }

    /** Each event of an event-stream body as {name, data}; comments are skipped. */
    private static List<String[]> events(String body) {
        List<String[]> out = new ArrayList<>();
        for (String frame : body.split("\n\n")) {
            String event = null;
            String data = null;
            for (String line : frame.split("\n")) {
                if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data = line.substring(6);
                }
            }
            if (event != null) {
                out.add(new String[]{event, data});
            }
        }
        return out;
    }

    /** Reads a finished session's whole stream and checks each event's data against its documented schema. */
    private static void checkEvents(String id, int minEvents) {
        TestHttp.Reply r = server.http().send(HttpRequest.newBuilder(URI.create(server.url() + "/sessions/" + id
                + "/events")).header("Last-Event-ID", "0").GET());
        check("GET", "/sessions/{id}/events", r, 200);
        Map<String, String> schemaOf = Map.of("session.queued", "SessionQueuedEvent",
                "session.expiring", "SessionExpiringEvent", "session.expired", "SessionExpiredEvent",
                "session.closed", "SessionClosedEvent");
        int events = 0;
        String last = null;
        for (String[] e : events(r.body())) {
            assertThat(schemaOf).as("documented event").containsKey(e[0]);
            validate(JSON.createObjectNode().put("$ref", "#/components/schemas/" + schemaOf.get(e[0])),
                    parse(e[1]), "event " + e[0]);
            events++;
            last = e[0];
        }
        assertThat(events).as(r.body()).isGreaterThanOrEqualTo(minEvents);
        assertThat(last).isEqualTo("session.closed");
    }

    @Test
    void corsPreflights() {
        TestHttp.Reply ok = server.http().send(HttpRequest.newBuilder(URI.create(server.url() + "/sessions"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "http://any.example")
                .header("Access-Control-Request-Method", "POST"));
        assertThat(ok.status()).isEqualTo(204);
        checkHeaders(doc.at("/components/responses/CorsPreflight"), ok, "preflight");
        TestHttp.Reply refused = storeDown.http().send(HttpRequest.newBuilder(URI.create(storeDown.url() + "/models"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "http://other.example")
                .header("Access-Control-Request-Method", "GET"));
        assertThat(refused.status()).isEqualTo(400);
        checkBody(doc.at("/components/responses/CorsDisallowed"), refused, "disallowed preflight");
    }

    @Test
    void everyDocumentedAnswerWasProduced() throws Exception {
        // Runs the others first if JUnit ordered this one early: the set is filled by them.
        healthModelsQueueAndOperations();
        avatars();
        sessions();
        Set<String> documented = new TreeSet<>();
        doc.get("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(op ->
                op.getValue().get("responses").fieldNames().forEachRemaining(status ->
                        documented.add(op.getKey().toUpperCase() + " " + p.getKey() + " " + status))));
        assertThat(exercised).containsAll(documented);
    }

    // ---- checking one answer ----

    private static JsonNode responseRef(String name) {
        return JSON.createObjectNode().put("$ref", "#/components/responses/" + name);
    }

    /** Checks an answer against the response documented for this operation and status. */
    private static TestHttp.Reply check(String method, String path, TestHttp.Reply r, int status) {
        JsonNode op = doc.path("paths").path(path).path(method.toLowerCase());
        assertThat(op.isMissingNode()).as(method + " " + path + " is documented").isFalse();
        JsonNode response = op.path("responses").path(Integer.toString(status));
        assertThat(response.isMissingNode()).as(method + " " + path + " documents " + status).isFalse();
        check(method, path, r, status, response);
        exercised.add(method + " " + path + " " + status);
        return r;
    }

    private static void check(String method, String path, TestHttp.Reply r, int status, JsonNode response) {
        String what = method + " " + path + " → " + status;
        assertThat(r.status()).as(what + ": " + r.body()).isEqualTo(status);
        response = deref(response);
        checkHeaders(response, r, what);
        checkBody(response, r, what);
    }

    private static void checkHeaders(JsonNode response, TestHttp.Reply r, String what) {
        response = deref(response);
        for (Iterator<Map.Entry<String, JsonNode>> it = response.path("headers").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            JsonNode header = deref(h.getValue());
            String value = r.header(h.getKey());
            if (header.path("required").asBoolean(false) || value != null) {
                assertThat(value).as(what + ": header " + h.getKey()).isNotNull();
                if (header.has("schema")) {
                    validate(header.get("schema"), TextNode.valueOf(value), what + ": header " + h.getKey());
                }
            }
        }
    }

    private static void checkBody(JsonNode response, TestHttp.Reply r, String what) {
        response = deref(response);
        JsonNode content = response.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            assertThat(r.body()).as(what + ": no body documented").isEmpty();
            return;
        }
        String type = r.header("Content-Type");
        assertThat(type).as(what + ": content type").isNotNull();
        String base = type.split(";")[0].trim();
        JsonNode media = content.path(base);
        assertThat(media.isMissingNode()).as(what + ": " + base + " documented among " + content).isFalse();
        if (base.equals("application/json")) {
            validate(media.get("schema"), parse(r.body()), what);
        } else if (base.startsWith("text/")) {
            assertThat(r.body()).as(what).isNotBlank();
        }
    }

    private static JsonNode deref(JsonNode node) {
        while (node.has("$ref")) {
            node = doc.at(node.get("$ref").asText().substring(1));
        }
        return node;
    }

    /** Validates against a schema node of the document; its "#/components/..." references resolve in the document. */
    private static void validate(JsonNode schemaNode, JsonNode value, String what) {
        Set<ValidationMessage> errors = schema(schemaNode).validate(value);
        assertThat(errors).as(what + ": body " + value + " against " + schemaNode).isEmpty();
    }

    private static JsonSchema schema(JsonNode schemaNode) {
        ObjectNode wrapper = schemaNode.deepCopy();
        wrapper.set("components", doc.get("components"));
        return SCHEMAS.getSchema(wrapper, CONFIG);
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    private static void collectRefs(JsonNode n, List<String> out) {
        if (n.isObject()) {
            n.fields().forEachRemaining(e -> {
                if (e.getKey().equals("$ref")) {
                    out.add(e.getValue().asText());
                } else {
                    collectRefs(e.getValue(), out);
                }
            });
        } else if (n.isArray()) {
            n.forEach(c -> collectRefs(c, out));
        }
    }

    private static String concrete(String template) {
        return template.replace("{id}", "some-id");
    }
}
