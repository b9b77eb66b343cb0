package io.opentalking.controlplane.avatars;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds a bundle's files by their real path: a file that resolves outside the avatars directory (a symlink
 * to {@code /etc/passwd}, say) is treated as absent, so nothing outside the directory is ever read or served.
 */
final class BundleFiles {
    private final Path root;

    BundleFiles(Path root) {
        this.root = root;
    }

    /** The real path of {@code file} when it is a regular file inside the avatars directory. */
    Optional<Path> regularFile(Path file) {
        try {
            Path real = file.toRealPath();
            if (real.startsWith(root.toRealPath()) && Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.of(real);
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // missing, a dangling link, or unreadable: there is no such file for us
        }
    }
}
