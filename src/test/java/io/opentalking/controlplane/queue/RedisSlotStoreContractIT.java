package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.Stores;
import io.opentalking.controlplane.testing.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The slot store contract against Redis (the Lua script), on a redis-server of the test's own. */
class RedisSlotStoreContractIT extends SlotStoreContract {
    private static RedisServerProcess redis;
    private Stores stores;

    @BeforeAll
    static void startRedis() {
        redis = new RedisServerProcess();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @BeforeEach
    void fresh() {
        assertThat(redis.cli("FLUSHALL")).isEqualTo("OK");
        stores = RedisFixtures.open(redis);
    }

    @AfterEach
    void closeStore() {
        RedisFixtures.close(stores);
    }

    @Override
    protected SlotStore store() {
        return stores.slots();
    }

    @Override
    protected QueueStatusReader reader() {
        return stores.status();
    }

    @Override
    protected Map<String, String> rawStatusHash() {
        return RedisFixtures.hgetall(redis, QueueKeys.STATUS_HASH);
    }

    @Override
    protected QueueStatusReader.Source source() {
        return QueueStatusReader.Source.REDIS;
    }

    @Test
    void theQueueLivesInTheUpstreamKeys() {
        SlotStore s = store();
        QueueLimits l = limits(1, 3);
        s.enqueue("a", l);
        s.enqueue("b", l);
        s.enqueue("c", l);
        assertThat(redis.cli("ZRANGE", QueueKeys.HOLDERS, "0", "-1")).isEqualTo("a");
        assertThat(redis.cli("ZRANGE", QueueKeys.WAITING, "0", "-1").lines().toList()).isEqualTo(List.of("b", "c"));
        assertThat(redis.cli("TYPE", QueueKeys.STATUS_HASH)).isEqualTo("hash");
        assertThat(redis.cli("HGET", QueueKeys.STATUS_HASH, "slot_occupied")).isEqualTo("1");
        assertThat(redis.cli("HGET", QueueKeys.STATUS_HASH, "queue_size")).isEqualTo("2");
    }
}
