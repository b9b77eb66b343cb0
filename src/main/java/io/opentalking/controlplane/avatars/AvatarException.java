package io.opentalking.controlplane.avatars;

/** Why an avatar id cannot be used; the message is the client-facing detail. */
public sealed class AvatarException extends RuntimeException
        permits AvatarException.InvalidId, AvatarException.NotFound, AvatarException.InvalidManifest {
    AvatarException(String message) {
        super(message);
    }

    /** The id escapes the avatars directory or is not a plain name. */
    public static final class InvalidId extends AvatarException {
        InvalidId() {
            super("invalid avatar_id");
        }
    }

    /** No bundle with that id. */
    public static final class NotFound extends AvatarException {
        NotFound() {
            super("avatar not found");
        }
    }

    /** The bundle's manifest is unusable. */
    public static final class InvalidManifest extends AvatarException {
        InvalidManifest(String why) {
            super("invalid avatar: " + why);
        }
    }
}
