/**
 * The shared Jackson mapper. A leaf: imports nothing of ours, so any package may use it.
 */
package io.opentalking.controlplane.json;
