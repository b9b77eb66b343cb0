package io.opentalking.controlplane.store.redis;

import io.opentalking.controlplane.queue.QueueStatus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The lenient parsing of the status hash (CONTRACT §1 /queue/status). */
class RedisStatusHashTest {

    @ParameterizedTest(name = "slot_occupied=''{0}'' -> {1}")
    @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, value = {
            "1|true",
            " TRUE |true",
            "true|true",
            "True|true",
            "yes|true",
            "YES|true",
            "on|true",
            " On|true",
            "2|false",
            "0|false",
            "false|false",
            "no|false",
            "off|false",
            "banana|false",
            "''|false",
            "' '|false",
            "1.0|false",
    })
    void slotOccupiedIsTruthyOnlyFor1TrueYesOn(String raw, boolean expected) {
        QueueStatus s = RedisStatusHash.parse(Map.of(RedisKeys.FIELD_SLOT_OCCUPIED, raw, RedisKeys.FIELD_QUEUE_SIZE, "4"));
        assertThat(s.slotOccupied()).as("slot_occupied '%s'", raw).isEqualTo(expected);
        assertThat(s.queueSize()).isEqualTo(4);
    }

    @ParameterizedTest(name = "queue_size=''{0}'' -> {1}")
    @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, value = {
            "0|0",
            "3|3",
            " 7 |7",
            "-3|0",
            "-0|0",
            "abc|0",
            "2.5|0",
            "''|0",
            "' '|0",
            "99999999999999999999|0",
            "0x10|0",
            "7abc|0",
    })
    void queueSizeIsATrimmedNonNegativeDecimal(String raw, int expected) {
        QueueStatus s = RedisStatusHash.parse(Map.of(RedisKeys.FIELD_SLOT_OCCUPIED, "1", RedisKeys.FIELD_QUEUE_SIZE, raw));
        assertThat(s.queueSize()).as("queue_size '%s'", raw).isEqualTo(expected);
        assertThat(s.slotOccupied()).isTrue();
    }

    @Test
    void missingFieldsAreFalseAndZero() {
        assertThat(RedisStatusHash.parse(Map.of("updated_at", "123", "other", "x"))).isEqualTo(new QueueStatus(false, 0));
        assertThat(RedisStatusHash.parse(Map.of(RedisKeys.FIELD_QUEUE_SIZE, "5"))).isEqualTo(new QueueStatus(false, 5));
        assertThat(RedisStatusHash.parse(Map.of(RedisKeys.FIELD_SLOT_OCCUPIED, "yes"))).isEqualTo(new QueueStatus(true, 0));
    }

    @Test
    void nullValuesAreTreatedAsMissing() {
        Map<String, String> h = new HashMap<>();
        h.put(RedisKeys.FIELD_SLOT_OCCUPIED, null);
        h.put(RedisKeys.FIELD_QUEUE_SIZE, null);
        assertThat(RedisStatusHash.parse(h)).isEqualTo(QueueStatus.ZERO);
    }

    @Test
    void missingHashIsZeros() {
        assertThat(RedisStatusHash.parse(null)).isEqualTo(new QueueStatus(false, 0));
        assertThat(RedisStatusHash.parse(Map.of())).isEqualTo(new QueueStatus(false, 0));
    }

    @Test
    void extraFieldsAreIgnored() {
        assertThat(RedisStatusHash.parse(Map.of(RedisKeys.FIELD_SLOT_OCCUPIED, "on", RedisKeys.FIELD_QUEUE_SIZE, "2",
                "slots_in_use", "banana", "updated_at", "-1"))).isEqualTo(new QueueStatus(true, 2));
    }
}
