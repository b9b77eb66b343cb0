package io.opentalking.controlplane.queue;

import io.opentalking.controlplane.store.redis.RedisStores;
import io.opentalking.controlplane.store.redis.RedisKeys;
import io.opentalking.controlplane.testing.PrivateRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The slot store contract against Redis (the Lua script), on a redis-server of the test's own. */
class RedisSlotStoreContractIT extends SlotStoreContract {
    @RegisterExtension
    static final PrivateRedis REDIS = PrivateRedis.flushedBeforeEachTest();
    private RedisStores stores;

    @BeforeEach
    void fresh() {
        stores = RedisFixtures.open(REDIS.server());
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
    protected Optional<StoredStatus> storedStatus() {
        Map<String, String> h = RedisFixtures.hgetall(REDIS.server(), RedisKeys.STATUS_HASH);
        if (h.isEmpty()) {
            return Optional.empty();
        }
        assertThat(h).as("raw status hash").containsKeys(RedisKeys.FIELD_SLOT_OCCUPIED, RedisKeys.FIELD_QUEUE_SIZE,
                RedisKeys.FIELD_SLOTS_IN_USE, RedisKeys.FIELD_SLOTS_TOTAL, RedisKeys.FIELD_UPDATED_AT);
        assertThat(h.get(RedisKeys.FIELD_SLOT_OCCUPIED)).as("raw slot_occupied").isIn("0", "1");
        return Optional.of(new StoredStatus("1".equals(h.get(RedisKeys.FIELD_SLOT_OCCUPIED)),
                Integer.parseInt(h.get(RedisKeys.FIELD_QUEUE_SIZE)), Integer.parseInt(h.get(RedisKeys.FIELD_SLOTS_IN_USE)),
                Integer.parseInt(h.get(RedisKeys.FIELD_SLOTS_TOTAL)), Long.parseLong(h.get(RedisKeys.FIELD_UPDATED_AT))));
    }

    /** Redis keeps its own time (TIME), so store time passes only by waiting. */
    @Override
    protected void pass(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    protected long nowMs() {
        return System.currentTimeMillis();
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
        assertThat(REDIS.server().cli("ZRANGE", RedisKeys.HOLDERS, "0", "-1")).isEqualTo("a");
        assertThat(REDIS.server().cli("ZRANGE", RedisKeys.WAITING, "0", "-1").lines().toList()).isEqualTo(List.of("b", "c"));
        assertThat(REDIS.server().cli("TYPE", RedisKeys.STATUS_HASH)).isEqualTo("hash");
        assertThat(REDIS.server().cli("HGET", RedisKeys.STATUS_HASH, "slot_occupied")).isEqualTo("1");
        assertThat(REDIS.server().cli("HGET", RedisKeys.STATUS_HASH, "queue_size")).isEqualTo("2");
    }
}
