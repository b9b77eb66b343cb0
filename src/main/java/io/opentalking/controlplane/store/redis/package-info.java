/**
 * The Redis store: the queue, session and event ports over Lettuce, with Lua scripts for atomic steps and every
 * Redis key name in {@link io.opentalking.controlplane.store.redis.RedisKeys}. May import the domain ports,
 * {@code config}, {@code faults}, Lettuce and Jackson; never {@code store} or {@code store.memory}.
 */
package io.opentalking.controlplane.store.redis;
