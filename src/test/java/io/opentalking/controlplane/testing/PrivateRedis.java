package io.opentalking.controlplane.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class's own redis-server: started on a free port before the class's {@code @BeforeAll} methods, emptied
 * before each test (unless the class keeps data on purpose), stopped after the class. Register it on a static
 * field: {@code @RegisterExtension static final PrivateRedis REDIS = PrivateRedis.flushedBeforeEachTest();}.
 */
public final class PrivateRedis implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {
    private final boolean flush;
    private RedisServerProcess server;

    private PrivateRedis(boolean flush) {
        this.flush = flush;
    }

    /** Every test starts on an empty Redis. */
    public static PrivateRedis flushedBeforeEachTest() {
        return new PrivateRedis(true);
    }

    /** For a class whose server outlives its tests: flushing would also drop the queue's epoch under it. */
    public static PrivateRedis keptAcrossTests() {
        return new PrivateRedis(false);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server = new RedisServerProcess();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (flush) {
            String reply = server.cli("FLUSHALL");
            if (!"OK".equals(reply)) {
                throw new IllegalStateException("FLUSHALL answered " + reply);
            }
            server.markQueueEstablished();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
        }
    }

    /** The running server (its port, url and redis-cli). */
    public RedisServerProcess server() {
        if (server == null) {
            throw new IllegalStateException("PrivateRedis must be registered on a static field");
        }
        return server;
    }
}
