package io.opentalking.controlplane.readiness;

import io.opentalking.controlplane.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The verdict from its conditions and the drain; the store condition's cache on a clock the test moves. */
class ReadinessTest {
    @Test
    void readyOnlyWhileEveryConditionHoldsAndNotDraining() {
        AtomicBoolean firstRound = new AtomicBoolean();
        Readiness r = new Readiness(List.of(
                () -> firstRound.get() ? Optional.empty() : Optional.of("no round yet"),
                Optional::empty));
        assertThat(r.verdict()).isEqualTo(new Readiness.Verdict.NotReady(List.of("no round yet")));

        firstRound.set(true);
        assertThat(r.verdict()).isEqualTo(new Readiness.Verdict.Ready());

        assertThat(r.startDraining()).as("the call that starts the drain").isTrue();
        assertThat(r.startDraining()).as("a second call").isFalse();
        assertThat(r.draining()).isTrue();
        assertThat(r.verdict()).isEqualTo(new Readiness.Verdict.NotReady(List.of(Readiness.DRAINING)));
    }

    @Test
    void drainingComesFirstAmongSeveralReasons() {
        Readiness r = new Readiness(List.of(() -> Optional.of("store unreachable: refused")));
        r.startDraining();
        assertThat(r.verdict()).isEqualTo(new Readiness.Verdict.NotReady(
                List.of(Readiness.DRAINING, "store unreachable: refused")));
    }

    @Test
    void aCachedConditionAsksAtMostOncePerMaxAge() {
        MutableClock clock = MutableClock.atEpochPlusOneYear();
        AtomicInteger asked = new AtomicInteger();
        AtomicBoolean up = new AtomicBoolean(true);
        CachedCondition c = new CachedCondition(() -> {
            asked.incrementAndGet();
            return up.get() ? Optional.empty() : Optional.of("down");
        }, Duration.ofSeconds(1), clock);

        assertThat(c.unmet()).isEmpty();
        up.set(false);
        clock.advanceMillis(999);
        for (int i = 0; i < 50; i++) {
            assertThat(c.unmet()).as("within the max age the last answer stands").isEmpty();
        }
        assertThat(asked.get()).isEqualTo(1);

        clock.advanceMillis(1);
        assertThat(c.unmet()).contains("down");
        assertThat(asked.get()).isEqualTo(2);
    }
}
