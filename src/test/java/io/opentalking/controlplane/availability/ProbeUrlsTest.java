package io.opentalking.controlplane.availability;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ProbeUrlsTest {
    @Test
    void omnirtProbeMapsSchemesAndKeepsThePathPrefix() {
        assertThat(ProbeUrls.omnirtProbe(URI.create("http://omnirt:9000"), "/v1/audio2video/models"))
                .hasToString("http://omnirt:9000/v1/audio2video/models");
        assertThat(ProbeUrls.omnirtProbe(URI.create("wss://gw.example.com/omnirt/"), "/v1/audio2video/models"))
                .hasToString("https://gw.example.com/omnirt/v1/audio2video/models");
        assertThat(ProbeUrls.omnirtProbe(URI.create("ws://h:1/base?x=1#f"), "v1/avatar/models"))
                .hasToString("http://h:1/base/v1/avatar/models");
    }

    @Test
    void directWsProbeAppendsASlashAndMapsTheScheme() {
        assertThat(ProbeUrls.directWsProbe(URI.create("ws://127.0.0.1:8766/v1/avatar/realtime")))
                .hasToString("http://127.0.0.1:8766/v1/avatar/realtime/");
        assertThat(ProbeUrls.port(URI.create("wss://h/x"))).isEqualTo(443);
        assertThat(ProbeUrls.port(URI.create("ws://h/x"))).isEqualTo(80);
    }

    @Test
    void hostPortNeverShowsUserInfo() {
        assertThat(ProbeUrls.hostPort(URI.create("http://user:pw@h:9/x"))).isEqualTo("h:9");
    }

    private static OmniRtListing parse(String body) {
        return OmniRtProbe.parse(URI.create("http://h/v1/audio2video/models"), body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void omnirtListingAcceptsBothShapes() {
        assertThat(parse("{\"models\":[\" FlashTalk \",\"wav2lip\",\"\"]}"))
                .isEqualTo(new OmniRtListing.Listed(java.util.Set.of("flashtalk", "wav2lip"), java.util.Map.of(),
                        "http://h/v1/audio2video/models"));
        assertThat(((OmniRtListing.Listed) parse("{\"models\":[{\"id\":\"musetalk\"},{\"id\":\"x\",\"connected\":false}]}"))
                .models()).containsExactly("musetalk");
        assertThat(((OmniRtListing.Listed) parse("{\"statuses\":[{\"id\":\"flashtalk\",\"connected\":true},"
                + "{\"id\":\"wav2lip\",\"connected\":false},{\"connected\":true}]}")).models()).containsExactly("flashtalk");
        // an empty models array does not hide a statuses array (upstream's does)
        assertThat(((OmniRtListing.Listed) parse("{\"models\":[],\"statuses\":[{\"id\":\"quicktalk\",\"connected\":true}]}"))
                .models()).containsExactly("quicktalk");
    }

    @Test
    void omnirtsOwnReasonPerModelIsKept() {
        // OmniRT's CPU stub answers like this: connected ids in models, every target with its reason in statuses.
        OmniRtListing.Listed l = (OmniRtListing.Listed) parse("{\"models\":[\"flashtalk\"],\"statuses\":["
                + "{\"id\":\"flashtalk\",\"connected\":true,\"reason\":\"proxy\"},"
                + "{\"id\":\"Wav2Lip\",\"connected\":false,\"reason\":\"not_configured\"},"
                + "{\"id\":\"quicktalk\",\"connected\":false,\"reason\":\"runtime_not_enabled\"},"
                + "{\"id\":\"musetalk\",\"connected\":false}]}");
        assertThat(l.models()).containsExactly("flashtalk");
        assertThat(l.reasons()).containsOnly(java.util.Map.entry("flashtalk", "proxy"),
                java.util.Map.entry("wav2lip", "not_configured"), java.util.Map.entry("quicktalk", "runtime_not_enabled"));
        assertThat(l.reason("musetalk")).isEmpty();
    }

    @Test
    void omnirtListingRejectsGarbage() {
        assertThat(parse("<html>oops</html>")).isInstanceOf(OmniRtListing.Unavailable.class);
        assertThat(((OmniRtListing.Unavailable) parse("[1,2]")).detail()).contains("not an object");
        assertThat(((OmniRtListing.Listed) parse("{\"other\":1}")).models()).isEmpty();
    }
}
