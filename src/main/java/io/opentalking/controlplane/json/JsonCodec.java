package io.opentalking.controlplane.json;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The one JSON mapper of the process: configured once, thread-safe, shared by every package that reads or writes JSON. */
public final class JsonCodec {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonCodec() {
    }
}
