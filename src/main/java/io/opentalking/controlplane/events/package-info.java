/**
 * Session events: the {@code EventBus} port (per-session log plus live delivery) and the event records.
 * Imports only the JDK.
 */
package io.opentalking.controlplane.events;
