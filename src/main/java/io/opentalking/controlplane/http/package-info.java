/**
 * The HTTP API: one route class per resource, filters (CORS, access log), request-body validation and
 * the one error mapping. May import the web server and the domain packages; never {@code store.*}.
 */
package io.opentalking.controlplane.http;
