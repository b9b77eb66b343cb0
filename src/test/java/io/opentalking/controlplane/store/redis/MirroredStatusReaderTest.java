package io.opentalking.controlplane.store.redis;

import io.opentalking.controlplane.queue.QueueStatus;
import io.opentalking.controlplane.queue.QueueStatusReader;
import io.opentalking.controlplane.queue.QueueStatusReader.Reading;
import io.opentalking.controlplane.queue.QueueStatusReader.Source;
import io.opentalking.controlplane.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The replica-local status copy: served only within its bound, refreshed ahead, and otherwise a Redis read. */
class MirroredStatusReaderTest {
    private static final Duration BOUND = Duration.ofMillis(50);
    private static final Reading FROM_REDIS = new Reading(new QueueStatus(false, 9), Source.REDIS);

    private final MutableClock clock = MutableClock.atEpochPlusOneYear();
    private final StatusCopy copy = new StatusCopy(BOUND, () -> TimeUnit.MILLISECONDS.toNanos(clock.millis()));
    private final AtomicInteger refreshes = new AtomicInteger();
    private final AtomicInteger fallbackReads = new AtomicInteger();
    private final QueueStatusReader fallback = () -> {
        fallbackReads.incrementAndGet();
        return FROM_REDIS;
    };
    private final MirroredStatusReader reader = new MirroredStatusReader(copy, refreshes::incrementAndGet, fallback);

    @Test
    void withoutACopyEveryRequestReadsRedisAndAsksForOne() {
        assertThat(reader.readStatus()).isEqualTo(FROM_REDIS);
        assertThat(reader.readStatus()).isEqualTo(FROM_REDIS);
        assertThat(fallbackReads).hasValue(2);
        assertThat(refreshes).hasValue(2);
    }

    @Test
    void aYoungCopyIsServedWithoutReadingRedisAndRefreshedOncePastHalfTheBound() {
        copy.offer(new QueueStatus(true, 3), copy.now());
        clock.advanceMillis(25);
        assertThat(reader.readStatus()).isEqualTo(new Reading(new QueueStatus(true, 3), Source.REDIS));
        assertThat(refreshes).as("at exactly half the bound").hasValue(0);
        clock.advanceMillis(1);
        assertThat(reader.readStatus().status()).isEqualTo(new QueueStatus(true, 3));
        assertThat(refreshes).hasValue(1);
        clock.advanceMillis(24);
        assertThat(reader.readStatus().status()).as("at exactly the bound").isEqualTo(new QueueStatus(true, 3));
        assertThat(fallbackReads).hasValue(0);
    }

    @Test
    void aCopyOlderThanTheBoundIsNeverServed() {
        copy.offer(new QueueStatus(true, 3), copy.now());
        clock.advanceMillis(51);
        assertThat(reader.readStatus()).isEqualTo(FROM_REDIS);
        assertThat(fallbackReads).hasValue(1);
    }

    @Test
    void aChangeNoticeStopsServingTheCopyUntilTheNextReadAnswers() {
        long sent = copy.now();
        copy.offer(new QueueStatus(false, 0), sent);
        copy.changed();
        assertThat(reader.readStatus()).isEqualTo(FROM_REDIS);
        // The re-read was sent after the notice; its answer reflects the change.
        clock.advanceMillis(2);
        copy.offer(new QueueStatus(true, 1), copy.now());
        assertThat(reader.readStatus().status()).isEqualTo(new QueueStatus(true, 1));
        assertThat(fallbackReads).hasValue(1);
    }

    @Test
    void aDroppedCopyStaysDroppedForReadsSentBeforeTheDrop() {
        long sentBefore = copy.now();
        clock.advanceMillis(5);
        copy.drop();
        copy.offer(new QueueStatus(true, 4), sentBefore);
        assertThat(reader.readStatus()).isEqualTo(FROM_REDIS);
        clock.advanceMillis(1);
        copy.offer(new QueueStatus(true, 5), copy.now());
        assertThat(reader.readStatus().status()).isEqualTo(new QueueStatus(true, 5));
    }

    @Test
    void anOlderAnswerNeverReplacesANewerOne() {
        long first = copy.now();
        clock.advanceMillis(10);
        long second = copy.now();
        copy.offer(new QueueStatus(true, 2), second);
        copy.offer(new QueueStatus(true, 1), first);
        assertThat(reader.readStatus().status()).isEqualTo(new QueueStatus(true, 2));
        clock.advanceMillis(41);
        assertThat(reader.readStatus().status()).as("aged from the newer read (41 ms), not the older (51 ms)")
                .isEqualTo(new QueueStatus(true, 2));
        assertThat(fallbackReads).hasValue(0);
    }
}
