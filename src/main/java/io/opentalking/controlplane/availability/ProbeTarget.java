package io.opentalking.controlplane.availability;

import java.net.URI;

/** One thing a round checks; equal targets are probed once per round however many models share them. */
sealed interface ProbeTarget {
    /** The built-in mock synthesizer's self-test. */
    record Mock() implements ProbeTarget {
    }

    /** A model's local runtime files and device. */
    record Local(String model) implements ProbeTarget {
    }

    /** OmniRT's model listing, by its primary URL. */
    record OmniRt(URI listingUrl) implements ProbeTarget {
    }

    /** A direct WebSocket backend. */
    record DirectWs(URI wsUrl) implements ProbeTarget {
    }

    /** The metric label. */
    default String kind() {
        return switch (this) {
            case Mock m -> "mock";
            case Local l -> "local";
            case OmniRt o -> "omnirt";
            case DirectWs d -> "direct_ws";
        };
    }

    /** What was being done, for a timeout detail: the same words the HTTP client uses. */
    default String what() {
        return switch (this) {
            case Mock m -> "mock self-test";
            case Local l -> "local runtime check of " + l.model();
            case OmniRt o -> "GET " + ProbeHttp.safe(o.listingUrl());
            case DirectWs d -> "GET " + ProbeHttp.safe(ProbeUrls.directWsProbe(d.wsUrl()));
        };
    }
}
