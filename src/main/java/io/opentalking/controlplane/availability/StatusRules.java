package io.opentalking.controlplane.availability;

import io.opentalking.controlplane.config.ModelSpec;
import io.opentalking.controlplane.config.ProbeConfig;

import java.net.URI;
import java.util.Optional;

/** The contract's status table: one model's backend and its round's probe results → its status. */
final class StatusRules {
    private final ProbeConfig cfg;

    StatusRules(ProbeConfig cfg) {
        this.cfg = cfg;
    }

    /** flashhead with OPENTALKING_FLASHHEAD_ENABLED is connected without a probe, as upstream. */
    boolean flashheadOverride(ModelSpec m) {
        return m.id().equals("flashhead") && cfg.flashheadEnabled();
    }

    ModelStatus status(ModelSpec m, RoundResults r) {
        return switch (m.backend()) {
            case MOCK -> local(m, r.check(new ProbeTarget.Mock()), Reason.LOCAL_SELF_TEST, Reason.LOCAL_SELF_TEST);
            case LOCAL -> local(m, r.check(new ProbeTarget.Local(m.id())), Reason.LOCAL_RUNTIME,
                    Reason.LOCAL_ADAPTER_MISSING);
            case OMNIRT -> omnirt(m, r.omnirt());
            case DIRECT_WS -> directWs(m, r);
        };
    }

    private static ModelStatus local(ModelSpec m, ProbeResult<LocalRuntimeCheck.Result> r, Reason ok, Reason missing) {
        return switch (r) {
            case ProbeResult.Done<LocalRuntimeCheck.Result> d ->
                    ModelStatus.of(m.id(), m.backend(), d.value().available(), d.value().available() ? ok : missing,
                            d.value().detail());
            case ProbeResult.TimedOut<LocalRuntimeCheck.Result> t -> down(m, missing, t.detail());
            case ProbeResult.Failed<LocalRuntimeCheck.Result> f -> down(m, missing, f.detail());
            case ProbeResult.Pending<LocalRuntimeCheck.Result> p -> down(m, missing, p.detail());
        };
    }

    private ModelStatus omnirt(ModelSpec m, Optional<ProbeResult<OmniRtListing>> listing) {
        if (cfg.omnirtEndpoint().isEmpty() || listing.isEmpty()) {
            if (m.id().equals("flashtalk") && cfg.flashtalkWsUrl().isPresent()) {
                return ModelStatus.of(m.id(), m.backend(), true, Reason.LEGACY_WS,
                        "FlashTalk ws url configured; not probed");
            }
            return down(m, Reason.NOT_CONFIGURED, "no OmniRT endpoint configured");
        }
        return switch (listing.get()) {
            case ProbeResult.Done<OmniRtListing> d -> switch (d.value()) {
                case OmniRtListing.Listed l -> listed(m, l);
                case OmniRtListing.Unavailable u -> down(m, Reason.OMNIRT_UNAVAILABLE, u.detail());
            };
            case ProbeResult.TimedOut<OmniRtListing> t -> down(m, Reason.OMNIRT_UNAVAILABLE, t.detail());
            case ProbeResult.Failed<OmniRtListing> f -> down(m, Reason.OMNIRT_UNAVAILABLE, f.detail());
            case ProbeResult.Pending<OmniRtListing> p -> down(m, Reason.OMNIRT_UNAVAILABLE, p.detail());
        };
    }

    private static ModelStatus listed(ModelSpec m, OmniRtListing.Listed l) {
        String omnirtSays = l.reason(m.id()).map(r -> "; OmniRT reason: " + r).orElse("");
        if (l.models().contains(m.id())) {
            return ModelStatus.of(m.id(), m.backend(), true, Reason.OMNIRT, "listed by " + l.source() + omnirtSays);
        }
        return down(m, Reason.OMNIRT_UNAVAILABLE, "not listed by " + l.source() + (l.models().isEmpty()
                ? " (empty list)" : " (lists " + String.join(", ", l.models().stream().sorted().toList()) + ")")
                + omnirtSays);
    }

    private ModelStatus directWs(ModelSpec m, RoundResults r) {
        if (flashheadOverride(m)) {
            return ModelStatus.of(m.id(), m.backend(), true, Reason.EXPLICIT_ENABLED,
                    "OPENTALKING_FLASHHEAD_ENABLED is set; not probed");
        }
        if (m.wsUrl().isEmpty()) {
            return down(m, Reason.NOT_CONFIGURED, "no ws url configured for " + m.id());
        }
        return switch (r.directWs(URI.create(m.wsUrl().get()))) {
            case ProbeResult.Done<DirectWsProbe.Reachability> d -> switch (d.value()) {
                case DirectWsProbe.Reachability.Reachable ok ->
                        ModelStatus.of(m.id(), m.backend(), true, Reason.DIRECT_WS, ok.detail());
                case DirectWsProbe.Reachability.Unreachable u -> down(m, Reason.DIRECT_WS_UNAVAILABLE, u.detail());
            };
            case ProbeResult.TimedOut<DirectWsProbe.Reachability> t -> down(m, Reason.DIRECT_WS_UNAVAILABLE, t.detail());
            case ProbeResult.Failed<DirectWsProbe.Reachability> f -> down(m, Reason.DIRECT_WS_UNAVAILABLE, f.detail());
            case ProbeResult.Pending<DirectWsProbe.Reachability> p -> down(m, Reason.DIRECT_WS_UNAVAILABLE, p.detail());
        };
    }

    private static ModelStatus down(ModelSpec m, Reason reason, String detail) {
        return ModelStatus.of(m.id(), m.backend(), false, reason, detail);
    }
}
