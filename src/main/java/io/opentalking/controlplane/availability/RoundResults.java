package io.opentalking.controlplane.availability;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one round learned, typed per kind of probe. A target missing from a map was not probed this round
 * (no model needed it), which the status rules never ask for.
 *
 * @param checks the mock self-test and the local runtime checks
 * @param omnirt the OmniRT listing, when an endpoint is configured and a model uses it
 * @param directWs reachability per ws url
 */
record RoundResults(Map<ProbeTarget, ProbeResult<LocalRuntimeCheck.Result>> checks,
                    Optional<ProbeResult<OmniRtListing>> omnirt,
                    Map<URI, ProbeResult<DirectWsProbe.Reachability>> directWs) {
    RoundResults {
        checks = Map.copyOf(checks);
        directWs = Map.copyOf(directWs);
    }

    RoundResults withOmnirt(ProbeResult<OmniRtListing> listing) {
        return new RoundResults(checks, Optional.of(listing), directWs);
    }

    ProbeResult<LocalRuntimeCheck.Result> check(ProbeTarget target) {
        return checks.getOrDefault(target, new ProbeResult.Failed<>("probe did not run"));
    }

    ProbeResult<DirectWsProbe.Reachability> directWs(URI url) {
        return directWs.getOrDefault(url, new ProbeResult.Failed<>("probe did not run"));
    }
}
