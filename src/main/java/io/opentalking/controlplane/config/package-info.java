/**
 * The configuration: {@code ConfigLoader} reads the environment and the YAML file once, the records hold
 * the validated values. Imports only the JDK and the YAML/JSON library.
 */
package io.opentalking.controlplane.config;
