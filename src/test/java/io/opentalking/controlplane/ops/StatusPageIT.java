package io.opentalking.controlplane.ops;

import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.testing.Chromium;
import io.opentalking.controlplane.testing.StubHttpServer;
import io.opentalking.controlplane.testing.TestHttp;
import io.opentalking.controlplane.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The status page in a real headless Chromium: what its own script renders from /status.json, and how it follows
 * a backend going away.
 */
class StatusPageIT {
    private static final Pattern ROW = Pattern.compile("<tr\\b[^>]*\\bdata-model=\"([^\"]+)\"[^>]*>(.*?)</tr>",
            Pattern.DOTALL);
    private static final String FLASHTALK_BODY = "{\"avatar_id\":\"demo-avatar\",\"model\":\"flashtalk\"}";

    private static StubHttpServer omnirt() {
        return new StubHttpServer().answer("/v1/audio2video/models",
                StubHttpServer.Answer.json(200, "{\"models\":[\"flashtalk\",\"musetalk\"]}"));
    }

    private static Map<String, String> env(StubHttpServer omnirt) {
        return Map.of("OPENTALKING_OMNIRT_ENDPOINT", omnirt.url(),
                "OPENTALKING_DEFAULT_MODEL", "flashtalk",
                // A round about every 0.5 s (refresh minus the probe bound), so a backend going away shows quickly.
                "OPENTALKING_MODELS_REFRESH_MS", "2000",
                "OPENTALKING_PROBE_TIMEOUT_MS", "1500");
    }

    /** A rendered model row: its opening tag and its cells. */
    private record Row(String model, String tag, String html) {
        boolean connected() {
            return tag.contains("data-connected=\"true\"");
        }
    }

    private static List<Row> rows(String dom) {
        List<Row> out = new ArrayList<>();
        Matcher m = ROW.matcher(dom.substring(dom.indexOf("id=\"model-rows\"")));
        while (m.find()) {
            String tag = m.group(0).substring(0, m.group(0).indexOf('>') + 1);
            out.add(new Row(m.group(1), tag, m.group(2)));
        }
        return out;
    }

    private static Row row(String dom, String model) {
        return rows(dom).stream().filter(r -> r.model().equals(model)).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + model + " in\n" + dom));
    }

    private static void awaitModel(TestHttp http, String model, boolean connected) {
        Await.untilTrue(Duration.ofSeconds(15), model + " to become connected=" + connected, () -> {
            for (var s : http.get("/models").json().get("statuses")) {
                if (s.get("id").asText().equals(model) && s.get("connected").asBoolean() == connected) {
                    return true;
                }
            }
            return false;
        });
    }

    @Test
    void rendersOneRowPerModelAndFollowsABackendGoingAway() throws Exception {
        Chromium.binary();
        StubHttpServer omnirt = omnirt();
        try (TestServer s = TestServer.start(env(omnirt))) {
            awaitModel(s.http(), "flashtalk", true);
            // One session holds the slot, one waits: the page shows the queue too.
            assertThat(s.http().post("/sessions", FLASHTALK_BODY).json().get("status").asText()).isEqualTo("created");
            assertThat(s.http().post("/sessions", FLASHTALK_BODY).json().get("status").asText()).isEqualTo("queued");

            String dom = Chromium.dumpDom(s.url() + "/", 5000);
            assertThat(dom).contains("data-state=\"ok\"");
            assertThat(dom).doesNotContain("Loading…");
            List<Row> rows = rows(dom);
            assertThat(rows).extracting(Row::model)
                    .containsExactly("mock", "flashtalk", "musetalk", "wav2lip", "flashhead", "quicktalk");

            Row flashtalk = row(dom, "flashtalk");
            assertThat(flashtalk.connected()).isTrue();
            assertThat(flashtalk.tag()).contains("data-reason=\"omnirt\"");
            assertThat(flashtalk.html()).contains("<th scope=\"row\"", ">omnirt<", "class=\"badge ok\"", "Connected",
                    "<code>omnirt</code>", "listed by " + omnirt.url(), ">default<");
            assertThat(flashtalk.html()).doesNotContain("Not connected");

            Row wav2lip = row(dom, "wav2lip");
            assertThat(wav2lip.connected()).isFalse();
            assertThat(wav2lip.html()).contains("class=\"badge bad\"", "Not connected",
                    "<code>omnirt_unavailable</code>", "not listed by");
            Row flashhead = row(dom, "flashhead");
            assertThat(flashhead.html()).contains(">direct_ws<", "Not connected", "<code>not_configured</code>",
                    "no ws url configured for flashhead");
            assertThat(row(dom, "quicktalk").html()).contains("<code>local_adapter_missing</code>");

            assertThat(dom).containsPattern("<dd id=\"slot\">Occupied</dd>");
            assertThat(dom).containsPattern("<dd id=\"waiting\">1</dd>");
            assertThat(dom).containsPattern("<dd id=\"source\">memory</dd>");
            assertThat(dom).containsPattern("<dd id=\"age\">[0-9.]+ s</dd>");
            assertThat(dom).containsPattern("models connected \\([^)]*flashtalk[^)]*\\); GPU slot occupied, 1 waiting");

            Path png = Path.of("target/status-page.png");
            Chromium.screenshot(s.url() + "/", png, 1200, 800, 3000);
            assertThat(Files.size(png)).isGreaterThan(10_000);
            assertThat(Files.readAllBytes(png)).startsWith(0x89, 'P', 'N', 'G');

            // The backend goes away; once the server's snapshot says so, the page shows it.
            omnirt.close();
            awaitModel(s.http(), "flashtalk", false);
            String after = Chromium.dumpDom(s.url() + "/", 5000);
            Row gone = row(after, "flashtalk");
            assertThat(gone.connected()).isFalse();
            assertThat(gone.tag()).contains("data-reason=\"omnirt_unavailable\"");
            assertThat(gone.html()).contains("class=\"badge bad\"", "Not connected", "<code>omnirt_unavailable</code>");
            assertThat(gone.html()).doesNotContain("class=\"badge ok\"");
            assertThat(row(after, "musetalk").connected()).isFalse();
        } finally {
            omnirt.close();
        }
    }

    @Test
    void refreshesInPlaceWithoutAReload() throws Exception {
        Chromium.binary();
        StubHttpServer omnirt = omnirt();
        TestServer s = TestServer.start(env(omnirt));
        try (Chromium.Page page = Chromium.open(s.url() + "/?refresh=500")) {
            awaitModel(s.http(), "flashtalk", true);
            String flashtalkRow = "document.querySelector('tr[data-model=\"flashtalk\"]')";
            page.await(flashtalkRow + " && " + flashtalkRow + ".dataset.connected === 'true'", Duration.ofSeconds(20));
            assertThat(page.eval(flashtalkRow + ".querySelector('.badge').textContent").asText())
                    .isEqualTo("✓Connected");
            page.eval("window.sameDocument = 'yes'");

            // The queue changes: the page picks it up on its next refresh.
            assertThat(s.http().post("/sessions", FLASHTALK_BODY).status()).isEqualTo(200);
            page.await("document.getElementById('slot').textContent === 'Occupied'", Duration.ofSeconds(20));

            omnirt.close();
            page.await(flashtalkRow + ".dataset.connected === 'false'", Duration.ofSeconds(20));
            assertThat(page.eval(flashtalkRow + ".querySelector('.badge').textContent").asText())
                    .isEqualTo("✗Not connected");
            assertThat(page.eval(flashtalkRow + ".dataset.reason").asText()).isEqualTo("omnirt_unavailable");
            assertThat(page.eval("window.sameDocument").asText()).as("no reload happened").isEqualTo("yes");
            assertThat(page.eval("document.querySelector('#changes li[data-model=\"flashtalk\"]').textContent").asText())
                    .contains("flashtalk: connected (omnirt) → not connected (omnirt_unavailable)");
            assertThat(page.eval("+document.body.dataset.updates").asInt()).isGreaterThan(2);

            // The server itself goes away: the page says so and keeps the last data.
            s.close();
            page.await("document.body.dataset.state === 'error'", Duration.ofSeconds(20));
            assertThat(page.eval("document.getElementById('problem').hidden").asBoolean()).isFalse();
            assertThat(page.eval("document.getElementById('problem').textContent").asText())
                    .startsWith("Cannot reach the server");
            assertThat(page.eval("document.querySelectorAll('#model-rows tr[data-model]').length").asInt()).isEqualTo(6);
        } finally {
            s.close();
            omnirt.close();
        }
    }

    @Test
    void servesItsAssetsFromTheServer() {
        try (TestServer s = TestServer.start(Map.of())) {
            TestHttp.Reply page = s.http().get("/");
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
            assertThat(page.header("Content-Security-Policy")).contains("default-src 'self'");
            assertThat(page.body()).contains("<table", "<th scope=\"col\"", "status/app.js", "status/style.css",
                    "name=\"viewport\"").doesNotContain("http://", "https://");
            TestHttp.Reply js = s.http().get("/status/app.js");
            assertThat(js.status()).isEqualTo(200);
            assertThat(js.header("Content-Type")).startsWith("text/javascript");
            assertThat(js.body()).contains("status.json").doesNotContain("innerHTML");
            TestHttp.Reply css = s.http().get("/status/style.css");
            assertThat(css.status()).isEqualTo(200);
            assertThat(css.header("Content-Type")).startsWith("text/css");
            assertThat(css.body()).contains("@media (max-width");
        }
    }
}
