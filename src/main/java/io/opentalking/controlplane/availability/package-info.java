/**
 * Model availability: background probe rounds (OmniRT listing, direct WebSocket, local runtime files,
 * the mock self-test) published as one shared snapshot. May import {@code config}, {@code synth} and
 * {@code java.net.http}; no web server, Redis or metrics library.
 */
package io.opentalking.controlplane.availability;
