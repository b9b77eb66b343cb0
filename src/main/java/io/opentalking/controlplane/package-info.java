/**
 * The composition root: {@code Main} hands the arguments to a command, {@code ControlPlane} builds config,
 * store, domain services and the HTTP server and owns start and stop. May import every package here; it
 * and {@code store} are the only places that name {@code store.redis}.
 */
package io.opentalking.controlplane;
