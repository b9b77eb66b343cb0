package io.opentalking.controlplane.store.redis;

import io.opentalking.controlplane.config.StoreConfig;
import io.opentalking.controlplane.events.EventBus;
import io.opentalking.controlplane.events.SessionEvent;
import io.opentalking.controlplane.events.StoredEvent;
import io.opentalking.controlplane.testing.Await;
import io.opentalking.controlplane.testing.FreePorts;
import io.opentalking.controlplane.testing.RedisServerProcess;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live events reach a subscriber whatever the pub/sub connection went through (issue 9 item 5): subscribed before
 * it was ever up, subscribed while Redis was down, or across a Redis restart.
 */
class RedisEventBusIT {
    private static RedisStores open(int port) {
        return RedisStores.open(new StoreConfig(StoreConfig.StoreMode.REDIS,
                Optional.of(URI.create("redis://127.0.0.1:" + port + "/0")), Duration.ofMillis(250),
                Duration.ofMillis(1000), Duration.ofMillis(1000)), Duration.ofMinutes(5));
    }

    /** Publishes from another replica until the subscriber hears it (a restart may drop the first ones). */
    private static void heardAfterPublishing(RedisStores publisher, List<StoredEvent> heard, String sid) {
        SessionEvent e = SessionEvent.queued(sid, 1, "waiting");
        Await.untilTrue(Duration.ofSeconds(10), "the subscriber to hear " + sid, () -> {
            publisher.events().publish(sid, e);
            return heard.stream().anyMatch(h -> h.event().equals(e));
        });
    }

    @Test
    void aChannelSubscribedBeforeRedisIsUpIsSubscribedOnceItIs() throws Exception {
        int port = FreePorts.free();
        try (RedisStores early = open(port)) {
            List<StoredEvent> heard = new CopyOnWriteArrayList<>();
            EventBus.Subscription sub = early.events().subscribe("s1", heard::add);
            try (RedisServerProcess redis = new RedisServerProcess(port); RedisStores publisher = open(port)) {
                heardAfterPublishing(publisher, heard, "s1");
                assertThat(redis.cli("PUBSUB", "NUMSUB", RedisKeys.eventsChannel("s1")).lines().toList())
                        .containsExactly(RedisKeys.eventsChannel("s1"), "1");
            }
            sub.close();
        }
    }

    @Test
    void everyChannelIsResubscribedAfterARestartIncludingOnesSubscribedWhileDown() throws Exception {
        try (RedisServerProcess redis = new RedisServerProcess();
             RedisStores subscriber = open(redis.port()); RedisStores publisher = open(redis.port())) {
            List<StoredEvent> heard = new CopyOnWriteArrayList<>();
            subscriber.events().subscribe("before", heard::add);
            heardAfterPublishing(publisher, heard, "before");

            redis.kill();
            subscriber.events().subscribe("during", heard::add);
            redis.start();

            heardAfterPublishing(publisher, heard, "before");
            heardAfterPublishing(publisher, heard, "during");
        }
    }

    @Test
    void theLastUnsubscribeLeavesTheChannel() throws Exception {
        try (RedisServerProcess redis = new RedisServerProcess(); RedisStores r = open(redis.port())) {
            EventBus.Subscription a = r.events().subscribe("s", e -> { });
            EventBus.Subscription b = r.events().subscribe("s", e -> { });
            String channel = RedisKeys.eventsChannel("s");
            a.close();
            assertThat(redis.cli("PUBSUB", "NUMSUB", channel).lines().toList()).containsExactly(channel, "1");
            b.close();
            Await.untilTrue(Duration.ofSeconds(5), "the channel to be left",
                    () -> redis.cli("PUBSUB", "NUMSUB", channel).lines().toList().equals(List.of(channel, "0")));
        }
    }
}
