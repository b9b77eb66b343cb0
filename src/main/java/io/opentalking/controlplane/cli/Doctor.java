package io.opentalking.controlplane.cli;

import io.opentalking.controlplane.json.JsonCodec;
import io.opentalking.controlplane.availability.AvailabilityProber;
import io.opentalking.controlplane.availability.ModelStatus;
import io.opentalking.controlplane.availability.ModelsDocument;
import io.opentalking.controlplane.availability.ModelsSnapshot;
import io.opentalking.controlplane.availability.ProbeObserver;
import io.opentalking.controlplane.config.AppConfig;
import io.opentalking.controlplane.config.ConfigException;
import io.opentalking.controlplane.config.ConfigLoader;
import io.opentalking.controlplane.store.StoreCheckRunner;
import io.opentalking.controlplane.store.Stores;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code doctor}: loads the configuration as the server would, probes the models with the server's own code,
 * checks the store, prints a table and a verdict. Exit 0: store reachable; 1: store unreachable; 2: bad config.
 */
public final class Doctor {
    private Doctor() {
    }

    public static int run(Map<String, String> env, Path workDir, String[] args, PrintStream out) {
        boolean json = Arrays.asList(args).contains("--json");
        AppConfig cfg;
        try {
            cfg = ConfigLoader.load(env, workDir);
        } catch (ConfigException e) {
            if (json) {
                print(out, Map.of("verdict", "invalid configuration", "config_error", e.getMessage()));
            } else {
                out.println("configuration error: " + e.getMessage());
            }
            return 2;
        }
        ModelsSnapshot snap;
        try (AvailabilityProber prober = new AvailabilityProber(cfg.models(), cfg.defaultModel(), cfg.probes(),
                cfg.local(), ProbeObserver.NONE, Clock.systemUTC())) {
            snap = prober.probeFully();
        }
        Stores.StoreCheck.Result store = StoreCheckRunner.check(cfg);
        String verdict = store.ok()
                ? "OK: store reachable; " + snap.connectedIds().size() + " of " + snap.statuses().size()
                + " models connected (" + String.join(", ", snap.connectedIds()) + ")"
                : "FAIL: store unreachable (" + store.detail() + ")";
        if (json) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("config_file", cfg.configFile().map(Path::toString).orElse(null));
            body.put("models", ModelsDocument.of(snap));
            body.put("warnings", cfg.warnings());
            body.put("store", Map.of("ok", store.ok(), "detail", store.detail()));
            body.put("verdict", verdict);
            print(out, body);
        } else {
            out.println("OpenTalking doctor");
            out.println("config file: " + cfg.configFile().map(Path::toString).orElse("(none)"));
            cfg.warnings().forEach(w -> out.println("warning: " + w));
            out.println();
            out.printf("%-20s %-10s %-10s %-22s %s%n", "MODEL", "BACKEND", "CONNECTED", "REASON", "DETAIL");
            for (ModelStatus s : snap.statuses()) {
                out.printf("%-20s %-10s %-10s %-22s %s%n", s.id(), s.backend().wireName(), s.connected() ? "yes" : "no",
                        s.reason().wireName(), s.detail().orElse(""));
            }
            out.println();
            out.println("store: " + (store.ok() ? "ok" : "UNREACHABLE") + " - " + store.detail());
            out.println(verdict);
        }
        return store.ok() ? 0 : 1;
    }

    private static void print(PrintStream out, Object body) {
        try {
            out.println(JsonCodec.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(body));
        } catch (Exception e) {
            out.println("{\"verdict\":\"internal error\"}");
        }
    }
}
