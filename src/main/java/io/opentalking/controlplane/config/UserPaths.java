package io.opentalking.controlplane.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where relative paths resolve. A path the user gives (environment or YAML) resolves against the directory the
 * user ran the command in: {@value #CALLER_DIR}, which {@code run.sh} sets before it changes into the
 * repository, else the working directory. Defaults name files of the installation ({@code examples/avatars},
 * {@code configs/default.yaml}) and resolve against the working directory, the repository under run.sh.
 */
record UserPaths(Path callerDir, Path workDir) {
    static final String CALLER_DIR = "OPENTALKING_CALLER_DIR";

    static UserPaths of(Map<String, String> env, Path workDir) {
        String caller = env.get(CALLER_DIR);
        Path dir = caller == null || caller.isBlank() ? workDir : workDir.resolve(caller.trim());
        return new UserPaths(dir.normalize(), workDir);
    }

    /** A path the user gave. */
    Path given(String value) {
        return callerDir.resolve(value.trim()).normalize();
    }

    /** A default, inside the installation. */
    Path byDefault(String relative) {
        return workDir.resolve(relative).normalize();
    }
}
