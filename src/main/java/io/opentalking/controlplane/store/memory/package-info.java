/**
 * The embedded single-replica store: the queue, session and event ports in memory, with the Redis store's step
 * semantics. May import the domain ports and {@code faults}; never {@code store}, {@code store.redis} or a Redis client.
 */
package io.opentalking.controlplane.store.memory;
