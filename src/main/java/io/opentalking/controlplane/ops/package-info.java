/**
 * Operator surface: Prometheus metrics and the {@code /metrics}, {@code /openapi.json} and status-page
 * routes. May import the web server, Micrometer, {@code http} and the domain packages; never {@code store.*}.
 */
package io.opentalking.controlplane.ops;
