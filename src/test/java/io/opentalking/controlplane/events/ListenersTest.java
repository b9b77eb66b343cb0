package io.opentalking.controlplane.events;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** Adding and removing listeners is atomic per key, with the first/last hooks inside the step (issue 9 item 5). */
class ListenersTest {
    private static final StoredEvent EVENT = new StoredEvent("1", SessionEvent.closed("s", "closed"));

    @Test
    void theHooksRunOnTheFirstAddAndTheLastRemoveOnly() {
        Listeners ls = new Listeners();
        List<String> hooks = new ArrayList<>();
        Consumer<StoredEvent> a = e -> { };
        Consumer<StoredEvent> b = e -> { };
        ls.add("k", a, () -> hooks.add("first"));
        ls.add("k", b, () -> hooks.add("first again"));
        ls.remove("k", a, () -> hooks.add("last too early"));
        ls.remove("k", a, () -> hooks.add("removed twice"));
        ls.remove("k", b, () -> hooks.add("last"));
        assertThat(hooks).containsExactly("first", "last");
        assertThat(ls.keys()).isEmpty();
    }

    @Test
    void aListenerAddedAfterTheLastWasRemovedIsRegisteredAndDelivered() {
        Listeners ls = new Listeners();
        List<StoredEvent> got = new ArrayList<>();
        Consumer<StoredEvent> gone = e -> got.add(new StoredEvent("gone", e.event()));
        ls.add("k", gone, () -> { });
        ls.remove("k", gone, () -> { });
        ls.add("k", got::add, () -> { });
        ls.deliver("k", EVENT);
        assertThat(got).containsExactly(EVENT);
        assertThat(ls.keys()).containsExactly("k");
    }

    /**
     * Many threads subscribe and unsubscribe on one key at once. Because the hooks run inside the atomic step, they
     * alternate strictly (first, last, first, ...), which is what keeps a bus's SUBSCRIBE/UNSUBSCRIBE in step with
     * its listener sets; an add-then-size-check would let two "firsts" or two "lasts" run in a row.
     */
    @Test
    void firstAndLastHooksAlternateStrictlyUnderConcurrentChurn() throws Exception {
        Listeners ls = new Listeners();
        AtomicInteger subscribed = new AtomicInteger();
        List<String> violations = new CopyOnWriteArrayList<>();
        Runnable first = () -> {
            if (subscribed.getAndIncrement() != 0) {
                violations.add("first while subscribed");
            }
        };
        Runnable last = () -> {
            if (subscribed.getAndDecrement() != 1) {
                violations.add("last while not subscribed");
            }
        };
        int threads = 8;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> fs = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                fs.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 500; i++) {
                        Consumer<StoredEvent> l = e -> { };
                        ls.add("k", l, first);
                        ls.remove("k", l, last);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : fs) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
        assertThat(violations).isEmpty();
        assertThat(subscribed.get()).as("every first has its last").isZero();
        assertThat(ls.keys()).isEmpty();
    }
}
