/**
 * Whether this replica should get traffic: the conditions readiness requires and the drain at shutdown. Knows
 * no web framework and no store; the composition root hands it its conditions.
 */
package io.opentalking.controlplane.readiness;
