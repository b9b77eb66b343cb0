package io.opentalking.controlplane.store.redis;

import io.opentalking.controlplane.json.JsonCodec;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The one JSON mapper of the Redis store (script results, event payloads); thread-safe once configured. */
final class RedisJson {
    static final ObjectMapper MAPPER = JsonCodec.MAPPER;

    private RedisJson() {
    }
}
