/**
 * Command-line commands other than serving ({@code doctor}); argument parsing lives only here. May import
 * {@code config}, {@code availability} and the store check; never the web server.
 */
package io.opentalking.controlplane.cli;
