/**
 * The session lifecycle: admission (avatar, model, slot), start, delete, state changes and the
 * {@code SessionRepository} port. May import {@code config}, {@code availability}, {@code avatars},
 * {@code queue} and {@code events}; never a web server, Redis client or {@code store.*}.
 */
package io.opentalking.controlplane.sessions;
