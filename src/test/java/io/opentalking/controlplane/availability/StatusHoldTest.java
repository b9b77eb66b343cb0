package io.opentalking.controlplane.availability;

import io.opentalking.controlplane.config.Backend;
import io.opentalking.controlplane.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Failure and success thresholds, round by round, on a clock the test moves. */
class StatusHoldTest {
    private final MutableClock clock = MutableClock.atEpochPlusOneYear();

    private static ModelStatus up() {
        return new ModelStatus("musetalk", Backend.DIRECT_WS, true, Reason.DIRECT_WS, Optional.of("answered HTTP 426"));
    }

    private static ModelStatus down() {
        return new ModelStatus("musetalk", Backend.DIRECT_WS, false, Reason.DIRECT_WS_UNAVAILABLE,
                Optional.of("GET http://h:1/ws/ timed out after 1000 ms"));
    }

    private ModelStatus round(StatusHold hold, ModelStatus raw) {
        return round(hold, raw, Set.of());
    }

    private ModelStatus round(StatusHold hold, ModelStatus raw, Set<String> pending) {
        clock.advance(Duration.ofSeconds(5));
        return hold.apply(new ModelsSnapshot(List.of(raw), Optional.empty(), clock.instant(), Duration.ZERO, pending))
                .statuses().get(0);
    }

    @Test
    void heldConnectedUntilTheFailureThresholdAndTheDetailSaysSo() {
        StatusHold hold = new StatusHold(3, 1);
        assertThat(round(hold, up())).isEqualTo(up());
        ModelStatus first = round(hold, down());
        assertThat(first.connected()).isTrue();
        assertThat(first.reason()).isEqualTo(Reason.DIRECT_WS);
        assertThat(first.detail()).contains("last probe failed at 1971-01-01T00:00:10Z; 1 of 3 failures: "
                + "GET http://h:1/ws/ timed out after 1000 ms");
        assertThat(round(hold, down()).detail().orElseThrow()).startsWith("last probe failed at 1971-01-01T00:00:15Z; 2 of 3");
        assertThat(round(hold, down())).isEqualTo(down());
        assertThat(round(hold, down())).isEqualTo(down());
    }

    @Test
    void aGoodRoundBetweenFailuresStartsTheCountAgain() {
        StatusHold hold = new StatusHold(2, 1);
        round(hold, up());
        assertThat(round(hold, down()).connected()).isTrue();
        assertThat(round(hold, up())).isEqualTo(up());
        assertThat(round(hold, down()).connected()).isTrue();
        assertThat(round(hold, down())).isEqualTo(down());
    }

    @Test
    void aModelThatNeverSucceededIsNotHeldConnected() {
        StatusHold hold = new StatusHold(5, 1);
        assertThat(round(hold, down())).isEqualTo(down());
        assertThat(round(hold, down())).isEqualTo(down());
        assertThat(round(hold, up())).isEqualTo(up());
    }

    @Test
    void reconnectsAfterTheSuccessThreshold() {
        StatusHold hold = new StatusHold(1, 2);
        round(hold, up());
        assertThat(round(hold, down())).isEqualTo(down());
        ModelStatus recovering = round(hold, up());
        assertThat(recovering.connected()).isFalse();
        assertThat(recovering.reason()).isEqualTo(Reason.DIRECT_WS_UNAVAILABLE);
        assertThat(recovering.detail().orElseThrow()).startsWith("last probe succeeded at 1971-01-01T00:00:15Z; 1 of 2 successes");
        assertThat(round(hold, up())).isEqualTo(up());
    }

    @Test
    void aPendingProbeChangesNothingAndItsLateAnswerCountsOnce() {
        StatusHold hold = new StatusHold(2, 1);
        ModelStatus pendingRaw = new ModelStatus("musetalk", Backend.DIRECT_WS, false, Reason.DIRECT_WS_UNAVAILABLE,
                Optional.of("still running"));
        // First round pending: nothing published before, so the pending status is shown, not counted.
        assertThat(round(hold, pendingRaw, Set.of("musetalk"))).isEqualTo(pendingRaw);
        assertThat(hold.applyLate(List.of(up()), clock.instant())).containsExactly(up());
        // Pending again: the last published status stays.
        assertThat(round(hold, pendingRaw, Set.of("musetalk"))).isEqualTo(up());
        assertThat(hold.applyLate(List.of(down()), clock.instant()).get(0).connected()).isTrue();
        assertThat(hold.applyLate(List.of(down()), clock.instant())).containsExactly(down());
    }
}
