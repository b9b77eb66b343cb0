package io.opentalking.controlplane.availability;

import io.opentalking.controlplane.config.LocalRuntimeConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * File-layout and device checks for the local runtimes (upstream §3.2–3.4). The Python library imports upstream
 * also checks have no Java analogue; the files and the device are what an operator can fix.
 */
final class LocalRuntimeCheck {
    /** Available or not, with a sentence that says which file or device is missing. */
    record Result(boolean available, String detail) {
    }

    private final LocalRuntimeConfig cfg;

    LocalRuntimeCheck(LocalRuntimeConfig cfg) {
        this.cfg = cfg;
    }

    Result check(String model) {
        return switch (model) {
            case "quicktalk" -> quicktalk();
            case "wav2lip" -> wav2lip();
            case "musetalk" -> musetalk();
            default -> new Result(false, "no local runtime exists for model " + model);
        };
    }

    private Result quicktalk() {
        Path root = cfg.quicktalkAssetRoot();
        if (!Files.isDirectory(root.resolve("checkpoints")) && Files.isDirectory(root.resolve("hdModule/checkpoints"))) {
            root = root.resolve("hdModule");
        }
        Path ck = root.resolve("checkpoints");
        for (String f : List.of("repair.npy", "chinese-hubert-large/pytorch_model.bin")) {
            if (!Files.isRegularFile(ck.resolve(f))) {
                return missing(ck.resolve(f));
            }
        }
        if (!Files.isRegularFile(ck.resolve("quicktalk.pth")) && !Files.isRegularFile(ck.resolve("256.onnx"))) {
            return new Result(false, "neither " + ck.resolve("quicktalk.pth") + " nor " + ck.resolve("256.onnx")
                    + " exists");
        }
        if (!Files.isDirectory(ck.resolve("auxiliary")) && !Files.isDirectory(ck.resolve("auxiliary_min"))) {
            return new Result(false, "neither " + ck.resolve("auxiliary") + " nor " + ck.resolve("auxiliary_min")
                    + " is a directory");
        }
        Optional<Result> device = device("OPENTALKING_QUICKTALK_DEVICE", cfg.quicktalkDevice());
        if (device.isPresent()) {
            return device.get();
        }
        return device("OPENTALKING_QUICKTALK_HUBERT_DEVICE", cfg.quicktalkHubertDevice())
                .orElse(new Result(true, "assets under " + root + ", device " + cfg.quicktalkDevice()));
    }

    private Result wav2lip() {
        if (cfg.wav2lipLegacyFallback()) {
            return new Result(true, "OPENTALKING_WAV2LIP_LEGACY_LOCAL_FALLBACK is set");
        }
        Optional<Result> device = device("OPENTALKING_WAV2LIP_DEVICE", cfg.wav2lipDevice());
        if (device.isPresent()) {
            return device.get();
        }
        Path dir = cfg.wav2lipModelRoot();
        Optional<Path> checkpoint = cfg.wav2lipCheckpoint().filter(Files::isRegularFile);
        if (checkpoint.isEmpty()) {
            checkpoint = List.of("wav2lip/wav2lip384.pth", "wav2lip384.pth", "wav2lip/wav2lip256.pth", "wav2lip256.pth",
                            "wav2lip/wav2lip_gan.pth", "wav2lip_gan.pth", "wav2lip/wav2lip.pth", "wav2lip.pth")
                    .stream().map(dir::resolve).filter(Files::isRegularFile).findFirst();
        }
        if (checkpoint.isEmpty()) {
            return new Result(false, "no wav2lip checkpoint (wav2lip384.pth, wav2lip256.pth, wav2lip_gan.pth or "
                    + "wav2lip.pth) under " + dir);
        }
        if (!Files.isRegularFile(dir.resolve("wav2lip/s3fd.pth")) && !Files.isRegularFile(dir.resolve("s3fd.pth"))) {
            return missing(dir.resolve("s3fd.pth"));
        }
        return new Result(true, "checkpoint " + checkpoint.get());
    }

    private Result musetalk() {
        Path dir = cfg.musetalkModelRoot();
        boolean legacy = List.of("musetalk.pth", "musetalk.pt", "unet.pth").stream()
                .anyMatch(f -> Files.isRegularFile(dir.resolve(f)));
        if (!legacy) {
            for (String f : List.of("musetalk/pytorch_model.bin", "musetalk/musetalk.json", "whisper/tiny.pt",
                    "dwpose/dw-ll_ucoco_384.pth", "face-parse-bisenet/79999_iter.pth")) {
                if (!Files.isRegularFile(dir.resolve(f))) {
                    return missing(dir.resolve(f));
                }
            }
            if (!Files.isDirectory(dir.resolve("sd-vae-ft-mse"))) {
                return new Result(false, dir.resolve("sd-vae-ft-mse") + " is not a directory");
            }
        }
        return device("OPENTALKING_MUSETALK_DEVICE", cfg.musetalkDevice())
                .orElse(new Result(true, "models under " + dir));
    }

    /** A cuda device counts only where an NVIDIA driver is present. Empty means "no complaint". */
    private Optional<Result> device(String key, String device) {
        String d = device == null ? "" : device.trim().toLowerCase(Locale.ROOT);
        if (d.startsWith("cuda") && !Files.exists(cfg.nvidiaDriverMarker())) {
            return Optional.of(new Result(false, key + "=" + device + " but no NVIDIA driver is present"));
        }
        return Optional.empty();
    }

    private static Result missing(Path p) {
        return new Result(false, p + " is missing");
    }
}
