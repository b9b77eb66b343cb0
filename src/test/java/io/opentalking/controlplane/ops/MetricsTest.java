package io.opentalking.controlplane.ops;

import io.opentalking.controlplane.availability.ModelStatus;
import io.opentalking.controlplane.availability.ModelsSnapshot;
import io.opentalking.controlplane.availability.Reason;
import io.opentalking.controlplane.config.Backend;
import io.opentalking.controlplane.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

class MetricsTest {
    private static ModelsSnapshot flashtalk(boolean connected, MutableClock clock) {
        return new ModelsSnapshot(List.of(new ModelStatus("flashtalk", Backend.OMNIRT, connected,
                connected ? Reason.OMNIRT : Reason.OMNIRT_UNAVAILABLE, Optional.empty())), Optional.empty(),
                clock.instant(), Duration.ZERO);
    }

    /** The model's row changes its reason label; no scrape may see the old row beside the new one. */
    @Test
    void aScrapeSeesEachModelOnceWhileItsReasonChanges() throws InterruptedException {
        MutableClock clock = MutableClock.atEpochPlusOneYear();
        Metrics m = new Metrics(clock);
        ModelsSnapshot up = flashtalk(true, clock);
        ModelsSnapshot down = flashtalk(false, clock);
        m.snapshotTaken(up);
        AtomicBoolean stop = new AtomicBoolean();
        Thread flapper = Thread.ofPlatform().start(() -> {
            for (int i = 0; !stop.get(); i++) {
                m.snapshotTaken(i % 2 == 0 ? down : up);
            }
        });
        try {
            for (int i = 0; i < 2_000; i++) {
                long rows = m.scrape().lines().filter(l -> l.startsWith("opentalking_model_connected{")).count();
                assertThat(rows).as("flashtalk's rows in scrape %d", i).isEqualTo(1);
            }
        } finally {
            stop.set(true);
            flapper.join();
        }
    }
}
