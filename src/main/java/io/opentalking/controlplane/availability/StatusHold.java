package io.opentalking.controlplane.availability;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Failure and success thresholds between the probes and the published statuses, so one lost round does not
 * flip a model (upstream's reason strings are kept; the detail says when a status is being held). A model is
 * reported disconnected after {@code failureThreshold} consecutive failed rounds and connected again after
 * {@code successThreshold} good ones. A model that has never been seen connected is never held connected.
 */
final class StatusHold {
    /** What is published for one model and the run of rounds that led there. */
    private record Track(ModelStatus published, boolean observed, int failures, int successes) {
    }

    private final int failureThreshold;
    private final int successThreshold;
    private final Map<String, Track> tracks = new HashMap<>();

    StatusHold(int failureThreshold, int successThreshold) {
        this.failureThreshold = failureThreshold;
        this.successThreshold = successThreshold;
    }

    /** The snapshot to publish for a round's raw one; pending models keep what was published before. */
    synchronized ModelsSnapshot apply(ModelsSnapshot raw) {
        List<ModelStatus> out = raw.statuses().stream().map(s -> raw.pending().contains(s.id())
                ? pending(s) : observe(s, raw.takenAt())).toList();
        return new ModelsSnapshot(out, raw.defaultModel(), raw.takenAt(), raw.roundDuration(), raw.pending());
    }

    /** Late statuses of a round's pending models, each counted as that round's observation. */
    synchronized List<ModelStatus> applyLate(List<ModelStatus> late, Instant at) {
        return late.stream().map(s -> observe(s, at)).toList();
    }

    private ModelStatus pending(ModelStatus raw) {
        Track t = tracks.get(raw.id());
        if (t == null || !t.observed()) {
            tracks.put(raw.id(), new Track(raw, false, 0, 0));
            return raw;
        }
        return t.published();
    }

    private ModelStatus observe(ModelStatus raw, Instant at) {
        Track t = tracks.get(raw.id());
        Track next;
        if (t == null || !t.observed()) {
            next = new Track(raw, true, raw.connected() ? 0 : 1, raw.connected() ? 1 : 0);
        } else if (raw.connected()) {
            int successes = t.successes() + 1;
            next = t.published().connected() || successes >= successThreshold
                    ? new Track(raw, true, 0, successes)
                    : new Track(held(t.published(), "last probe succeeded at " + at + "; " + successes + " of "
                    + successThreshold + " successes", raw.detail()), true, 0, successes);
        } else {
            int failures = t.failures() + 1;
            next = t.published().connected() && failures < failureThreshold
                    ? new Track(held(t.published(), "last probe failed at " + at + "; " + failures + " of "
                    + failureThreshold + " failures", raw.detail()), true, failures, 0)
                    : new Track(raw, true, failures, 0);
        }
        tracks.put(raw.id(), next);
        return next.published();
    }

    /** The published status kept, its detail saying why and what the probe said. */
    private static ModelStatus held(ModelStatus published, String why, Optional<String> probeSaid) {
        return new ModelStatus(published.id(), published.backend(), published.connected(), published.reason(),
                Optional.of(why + probeSaid.map(d -> ": " + d).orElse("")));
    }
}
