package io.opentalking.controlplane.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentalking.controlplane.availability.ModelAvailability;
import io.opentalking.controlplane.availability.ModelsSnapshot;
import io.opentalking.controlplane.availability.ProbeObserver;
import io.opentalking.controlplane.faults.StoreException;
import io.opentalking.controlplane.http.ProtectionCounts;
import io.opentalking.controlplane.http.RequestObserver;
import io.opentalking.controlplane.queue.Admission;
import io.opentalking.controlplane.queue.QueueChange;
import io.opentalking.controlplane.queue.QueueListener;
import io.opentalking.controlplane.queue.QueueStatusReader;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/** Prometheus metrics through Micrometer: models, probes, queue, store errors, HTTP requests. */
public final class Metrics implements ProbeObserver, QueueListener, RequestObserver {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Clock clock;
    private final MultiGauge modelConnected;
    /** Held while the model rows change and while a scrape reads them. */
    private final ReentrantLock rows = new ReentrantLock();
    private final Counter grants;
    private final Counter timeouts;
    private final Counter leaseLosses;
    private final Counter holdExpirations;
    private final Counter queueFull;
    private final Counter queueStoreErrors;
    private final Counter statusReadErrors;
    private final Counter streamOverflows;
    private final Counter unconfirmedGrants;
    private final AtomicReference<CachedReading> lastReading = new AtomicReference<>();

    private record CachedReading(long at, QueueStatusReader.Reading reading) {
    }

    public Metrics(Clock clock) {
        this.clock = clock;
        this.modelConnected = MultiGauge.builder("opentalking.model.connected")
                .description("1 when the model is usable, by model, backend and reason").register(registry);
        this.grants = Counter.builder("opentalking.queue.grants").description("slots granted").register(registry);
        this.timeouts = Counter.builder("opentalking.queue.timeouts").description("waits that timed out")
                .register(registry);
        this.leaseLosses = Counter.builder("opentalking.queue.lease.losses")
                .description("slots or places reclaimed because a lease ran out").register(registry);
        this.holdExpirations = Counter.builder("opentalking.queue.hold.expirations")
                .description("holds ended by the maximum session time").register(registry);
        this.queueFull = Counter.builder("opentalking.queue.full").description("admissions refused: queue full")
                .register(registry);
        this.queueStoreErrors = Counter.builder("opentalking.store.errors").tag("op", "queue")
                .description("store failures").register(registry);
        this.unconfirmedGrants = Counter.builder("opentalking.queue.grants.unconfirmed")
                .description("grants no Redis replica acknowledged within OPENTALKING_REDIS_WAIT_MS").register(registry);
        this.streamOverflows = Counter.builder("opentalking.sse.overflows")
                .description("event streams ended because the client fell too far behind").register(registry);
        this.statusReadErrors = Counter.builder("opentalking.store.errors").tag("op", "queue_status_read")
                .description("store failures").register(registry);
    }

    /** Gauges that read live state at scrape time. */
    public void bind(ModelAvailability availability, QueueStatusReader status, int slotsTotal) {
        Gauge.builder("opentalking.models.snapshot.age", availability,
                        a -> a.peek().map(s -> s.age(clock.instant()).toMillis() / 1000.0).orElse(Double.NaN))
                .baseUnit("seconds").description("age of the model snapshot").register(registry);
        Gauge.builder("opentalking.queue.waiting", status, s -> reading(s).status().queueSize())
                .description("sessions waiting for a slot").register(registry);
        Gauge.builder("opentalking.queue.slot.occupied", status, s -> reading(s).status().slotOccupied() ? 1 : 0)
                .description("1 when a slot is in use").register(registry);
        // Not "...slots.total": Prometheus reserves _total for counters and the exporter strips it from a gauge,
        // which published this as a bare "opentalking_queue_slots".
        Gauge.builder("opentalking.queue.slots.configured", () -> slotsTotal)
                .description("slots in the pool (OPENTALKING_FLASHTALK_SLOTS)").register(registry);
    }

    /** One store read per scrape, shared by the queue gauges. */
    private QueueStatusReader.Reading reading(QueueStatusReader reader) {
        long now = clock.millis();
        CachedReading c = lastReading.get();
        if (c == null || now - c.at > 500) {
            c = new CachedReading(now, countingReader(reader).readStatus());
            lastReading.set(c);
        }
        return c.reading;
    }

    /** Wraps a reader so that every degraded answer is counted. */
    public QueueStatusReader countingReader(QueueStatusReader reader) {
        return () -> {
            QueueStatusReader.Reading r = reader.readStatus();
            if (r.source() == QueueStatusReader.Source.UNAVAILABLE) {
                statusReadErrors.increment();
            }
            return r;
        };
    }

    @Override
    public void probed(String kind, Duration took, boolean ok) {
        Timer.builder("opentalking.probe.duration").tag("backend", kind).tag("outcome", ok ? "ok" : "fail")
                .publishPercentileHistogram().description("probe duration").register(registry).record(took);
    }

    @Override
    public void snapshotTaken(ModelsSnapshot snapshot) {
        // MultiGauge adds the new rows before it removes the old: a scrape in between saw a model twice, once per
        // reason (MetricsIT in CI). Scrapes and row changes take turns.
        rows.lock();
        try {
            modelConnected.register(snapshot.statuses().stream().map(s -> MultiGauge.Row.of(
                    Tags.of("model", s.id(), "backend", s.backend().wireName(), "reason", s.reason().wireName()),
                    s.connected() ? 1 : 0)).toList(), true);
        } finally {
            rows.unlock();
        }
    }

    @Override
    public void onChange(QueueChange change) {
        switch (change) {
            case QueueChange.Granted g -> grants.increment();
            case QueueChange.TimedOut t -> timeouts.increment();
            case QueueChange.LeaseLost l -> leaseLosses.increment();
            case QueueChange.HoldExpired h -> holdExpirations.increment();
            default -> {
            }
        }
    }

    @Override
    public void onAdmission(String sessionId, Admission admission) {
        // Grants are counted in onChange: the queue tells every grant there, on admission too.
        if (admission instanceof Admission.Full) {
            queueFull.increment();
        }
    }

    @Override
    public void onStoreError(StoreException e) {
        queueStoreErrors.increment();
    }

    @Override
    public void onUnconfirmedGrants(int count) {
        unconfirmedGrants.increment(count);
    }

    /** Requests and their latency by route template, method and status: every label from a bounded set. */
    @Override
    public void requestServed(String route, String method, int status, long nanos) {
        Timer.builder("opentalking.http.requests").tags("route", route, "method", method, "status",
                        Integer.toString(status))
                .description("HTTP requests").register(registry).record(Duration.ofNanos(nanos));
    }

    @Override
    public void streamOverflowed() {
        streamOverflows.increment();
    }

    /** What the connection and stream protections hold and refused, read at scrape time. */
    public void bindProtection(Supplier<ProtectionCounts> counts) {
        Gauge.builder("opentalking.http.connections.open", counts, c -> c.get().openConnections())
                .description("open HTTP connections").register(registry);
        FunctionCounter.builder("opentalking.http.connections.refused", counts, c -> c.get().refusedConnections())
                .description("connections closed at accept: a cap in all or per client was reached").register(registry);
        FunctionCounter.builder("opentalking.http.header.timeouts", counts, c -> c.get().headerTimeouts())
                .description("connections closed: request headers not received in time").register(registry);
        Gauge.builder("opentalking.sse.streams.open", counts, c -> c.get().openStreams())
                .description("open event streams").register(registry);
    }

    public String scrape() {
        rows.lock();
        try {
            return registry.scrape();
        } finally {
            rows.unlock();
        }
    }
}
