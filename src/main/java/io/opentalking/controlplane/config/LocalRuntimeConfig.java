package io.opentalking.controlplane.config;

import java.nio.file.Path;
import java.util.Optional;

/** Where local model files are looked for, and which devices the local runtimes are told to use. */
public record LocalRuntimeConfig(Path modelRoot, Path quicktalkAssetRoot, String quicktalkDevice,
                                 String quicktalkHubertDevice, Path wav2lipModelRoot,
                                 Optional<Path> wav2lipCheckpoint, String wav2lipDevice, boolean wav2lipLegacyFallback,
                                 Path musetalkModelRoot, String musetalkDevice, Path nvidiaDriverMarker) {
}
