/**
 * The in-process mock synthesizer and the demo avatar it draws. Imports only the JDK.
 */
package io.opentalking.controlplane.synth;
