/**
 * Opens the configured store (embedded memory or Redis) and hands its pieces out as {@link
 * io.opentalking.controlplane.store.Stores}; the one place that picks an implementation. May import {@code config},
 * {@code faults}, the domain ports ({@code queue}, {@code sessions}, {@code events}) and both implementations.
 */
package io.opentalking.controlplane.store;
