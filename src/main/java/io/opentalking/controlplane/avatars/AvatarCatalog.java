package io.opentalking.controlplane.avatars;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Avatar bundles under one directory. An id is a directory name; it must stay inside the root, symlinks
 * included, and so must every file read from a bundle. Manifests are parsed once and re-read when their
 * modification time changes.
 */
public final class AvatarCatalog {
    private static final System.Logger LOG = System.getLogger(AvatarCatalog.class.getName());
    private static final Pattern PLAIN = Pattern.compile("[^/\\\\\\x00]+");

    private record Cached(FileTime mtime, Avatar avatar, AvatarException error) {
    }

    private final Path root;
    private final BundleFiles files;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public AvatarCatalog(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.files = new BundleFiles(this.root);
    }

    public Path root() {
        return root;
    }

    /** The bundle with this id, or the reason it cannot be used. */
    public Avatar find(String id) {
        Path dir = resolve(id);
        if (!Files.isDirectory(dir)) {
            throw new AvatarException.NotFound();
        }
        // The preview is looked up on every call, so one added or removed later shows without a restart.
        return load(id, dir).withPreview(files.regularFile(dir.resolve("preview.png")));
    }

    /** Visible, valid bundles sorted by id; broken ones are logged and left out. */
    public List<Avatar> list() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<Avatar> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path d : dirs.sorted().toList()) {
                String id = d.getFileName().toString();
                if (!Files.isRegularFile(d.resolve("manifest.json"))) {
                    continue;
                }
                try {
                    Avatar a = find(id);
                    if (!a.hidden()) {
                        out.add(a);
                    }
                } catch (AvatarException e) {
                    LOG.log(System.Logger.Level.DEBUG, "skipping avatar {0}: {1}", id, e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot list avatars under {0}: {1}", root, e.getMessage());
        }
        return out;
    }

    private Path resolve(String id) {
        if (id == null || id.isBlank() || !PLAIN.matcher(id).matches() || id.equals(".") || id.equals("..")) {
            throw new AvatarException.InvalidId();
        }
        Path dir = root.resolve(id).normalize();
        if (!dir.startsWith(root) || dir.equals(root)) {
            throw new AvatarException.InvalidId();
        }
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Path real = dir.toRealPath();
                Path realRoot = root.toRealPath();
                if (!real.startsWith(realRoot) || real.equals(realRoot)) {
                    throw new AvatarException.InvalidId();
                }
            } catch (IOException e) {
                throw new AvatarException.NotFound();
            }
        }
        return dir;
    }

    private Path manifest(Path dir) {
        Path file = dir.resolve("manifest.json");
        return files.regularFile(file).orElseThrow(() -> new AvatarException.InvalidManifest(
                Files.exists(file, LinkOption.NOFOLLOW_LINKS)
                        ? "manifest.json is not a file inside the avatars directory" : "manifest.json missing"));
    }

    private Avatar load(String id, Path dir) {
        Path manifest = manifest(dir);
        FileTime mtime;
        try {
            mtime = Files.getLastModifiedTime(manifest);
        } catch (IOException e) {
            throw new AvatarException.InvalidManifest("manifest.json missing");
        }
        Cached c = cache.get(id);
        if (c == null || !c.mtime.equals(mtime)) {
            try {
                c = new Cached(mtime, ManifestParser.parse(id, dir, manifest), null);
            } catch (AvatarException e) {
                c = new Cached(mtime, null, e);
            }
            cache.put(id, c);
        }
        if (c.error != null) {
            throw c.error;
        }
        return c.avatar;
    }
}
