package io.opentalking.controlplane;

import io.opentalking.controlplane.availability.ModelStatus;
import io.opentalking.controlplane.availability.ModelsSnapshot;
import io.opentalking.controlplane.cli.Doctor;
import io.opentalking.controlplane.config.AppConfig;
import io.opentalking.controlplane.config.ConfigException;
import io.opentalking.controlplane.config.ConfigLoader;
import io.opentalking.controlplane.http.HttpServer;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/** Entry point: {@code serve} (default) or {@code doctor}. Exit code 2 means invalid configuration. */
public final class Main {
    public static final int EXIT_CONFIG = 2;
    /** The listener could not start (address in use, not bindable). */
    public static final int EXIT_LISTEN = 3;
    /** One line per log record (the JDK default takes two); an operator's own format wins. */
    private static final String LOG_FORMAT = "%1$tF %1$tT.%1$tL %4$s %3$s: %5$s%6$s%n";

    static {
        // Before the first logger below: the manager is chosen once, when JUL starts.
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", ShutdownLogManager.class.getName());
        }
    }

    /** Held so that the level set on it is not lost when the logger is garbage-collected. */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("org.eclipse.jetty");
    /** Lettuce's reconnect chatter (two lines per connection, with "/<unresolved>" addresses); the store logs
     * its connection state changes itself. */
    private static final java.util.logging.Logger QUIET_RECONNECTS =
            java.util.logging.Logger.getLogger("io.lettuce.core.protocol.ConnectionWatchdog");

    private Main() {
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", LOG_FORMAT);
        }
        if (System.getProperty("java.util.logging.config.file") == null) {
            // The web server's start-up chatter (version, connector) says nothing the banner does not.
            QUIET.setLevel(java.util.logging.Level.WARNING);
            QUIET_RECONNECTS.setLevel(java.util.logging.Level.SEVERE);
        }
        String cmd = args.length == 0 ? "serve" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (cmd) {
            case "serve" -> serve();
            case "doctor" -> System.exit(Doctor.run(System.getenv(), Path.of("").toAbsolutePath(), rest, System.out));
            case "--help", "-h", "help" -> {
                System.out.println("usage: opentalking-controlplane [serve | doctor [--json]]");
                System.exit(0);
            }
            default -> {
                System.err.println("unknown command '" + cmd + "'; usage: [serve | doctor [--json]]");
                System.exit(64);
            }
        }
    }

    private static void serve() {
        AppConfig cfg;
        try {
            cfg = ConfigLoader.load(System.getenv(), Path.of("").toAbsolutePath());
        } catch (ConfigException e) {
            System.err.println("configuration error: " + e.getMessage());
            System.exit(EXIT_CONFIG);
            return;
        }
        ControlPlane cp;
        try {
            cp = ControlPlane.start(cfg, Clock.systemUTC());
        } catch (HttpServer.StartupFailure e) {
            System.err.println("start-up failed: " + e.getMessage());
            System.exit(EXIT_LISTEN);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        ShutdownLogManager.holdHandlers();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            cp.drainAndClose();
            ShutdownLogManager.releaseHandlers();
            stopped.countDown();
        }, "shutdown"));
        System.out.println("OpenTalking control plane listening on http://" + cfg.server().host() + ":" + cp.port());
        System.out.println("  config file: " + cfg.configFile().map(Path::toString).orElse("(none; env and defaults)"));
        System.out.println("  store:       " + cfg.store().describe());
        System.out.println("  avatars:     " + cfg.avatarsDir());
        Thread.ofVirtual().start(() -> {
            ModelsSnapshot s = cp.availability().current();
            System.out.println("  models:      " + s.statuses().stream().map(Main::summary)
                    .collect(Collectors.joining(", ")));
        });
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String summary(ModelStatus s) {
        return s.id() + (s.connected() ? " ✓ " : " ✗ ") + s.reason().wireName();
    }
}
