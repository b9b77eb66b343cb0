/**
 * Failures shared across packages: the {@link io.opentalking.controlplane.faults.StoreException} family that every
 * store port throws. A leaf: it imports nothing of ours, so domain packages can throw and catch it without
 * depending on {@code store}.
 */
package io.opentalking.controlplane.faults;
