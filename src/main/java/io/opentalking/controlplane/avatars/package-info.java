/**
 * Avatar bundles under one directory: the catalog, manifest parsing and the rule that every file read
 * resolves inside that directory. Imports only the JDK and the JSON library.
 */
package io.opentalking.controlplane.avatars;
