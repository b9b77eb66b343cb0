package io.opentalking.controlplane.store;

import io.opentalking.controlplane.config.AppConfig;

import java.time.Clock;

/** Opens the configured store just long enough to ask whether it answers. */
public final class StoreCheckRunner {
    private StoreCheckRunner() {
    }

    public static Stores.StoreCheck.Result check(AppConfig cfg) {
        Stores stores = StoreFactory.open(cfg, Clock.systemUTC());
        try {
            return stores.check().check();
        } finally {
            try {
                stores.closer().close();
            } catch (Exception e) {
                // Closing a store we only pinged cannot change the verdict.
            }
        }
    }
}
