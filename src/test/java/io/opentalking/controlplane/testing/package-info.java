/**
 * Test fixtures shared by every package's tests: real local servers (stub backends, redis-server,
 * the control plane on port 0), HTTP/SSE clients, {@code Await} and {@code MutableClock}.
 */
package io.opentalking.controlplane.testing;
