package io.opentalking.controlplane.queue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The lenient parsing of the status hash (CONTRACT §1 /queue/status). */
class QueueStatusParseTest {

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
        QueueStatus s = QueueStatus.parse(Map.of(QueueKeys.FIELD_SLOT_OCCUPIED, raw, QueueKeys.FIELD_QUEUE_SIZE, "4"));
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
        QueueStatus s = QueueStatus.parse(Map.of(QueueKeys.FIELD_SLOT_OCCUPIED, "1", QueueKeys.FIELD_QUEUE_SIZE, raw));
        assertThat(s.queueSize()).as("queue_size '%s'", raw).isEqualTo(expected);
        assertThat(s.slotOccupied()).isTrue();
    }

    @Test
    void missingFieldsAreFalseAndZero() {
        assertThat(QueueStatus.parse(Map.of("updated_at", "123", "other", "x"))).isEqualTo(new QueueStatus(false, 0));
        assertThat(QueueStatus.parse(Map.of(QueueKeys.FIELD_QUEUE_SIZE, "5"))).isEqualTo(new QueueStatus(false, 5));
        assertThat(QueueStatus.parse(Map.of(QueueKeys.FIELD_SLOT_OCCUPIED, "yes"))).isEqualTo(new QueueStatus(true, 0));
    }

    @Test
    void nullValuesAreTreatedAsMissing() {
        Map<String, String> h = new HashMap<>();
        h.put(QueueKeys.FIELD_SLOT_OCCUPIED, null);
        h.put(QueueKeys.FIELD_QUEUE_SIZE, null);
        assertThat(QueueStatus.parse(h)).isEqualTo(QueueStatus.ZERO);
    }

    @Test
    void missingHashIsZeros() {
        assertThat(QueueStatus.parse(null)).isEqualTo(new QueueStatus(false, 0));
        assertThat(QueueStatus.parse(Map.of())).isEqualTo(new QueueStatus(false, 0));
    }

    @Test
    void extraFieldsAreIgnored() {
        assertThat(QueueStatus.parse(Map.of(QueueKeys.FIELD_SLOT_OCCUPIED, "on", QueueKeys.FIELD_QUEUE_SIZE, "2",
                "slots_in_use", "banana", "updated_at", "-1"))).isEqualTo(new QueueStatus(true, 2));
    }
}
