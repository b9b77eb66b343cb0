/**
 * The GPU slot queue: admission, leases and waiting order as atomic steps behind the {@code SlotStore}
 * port, and the status hash reader. May import {@code config} and {@code events}; the store implementations
 * live in {@code store.*}, not here.
 */
package io.opentalking.controlplane.queue;
