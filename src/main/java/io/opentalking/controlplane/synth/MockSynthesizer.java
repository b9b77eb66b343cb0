package io.opentalking.controlplane.synth;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * The in-process stand-in for a GPU synthesizer (upstream's mock client): it takes a reference image and
 * renders frames that are that image, cropped to even dimensions. Used by the mock model and its self-test.
 */
public final class MockSynthesizer {
    public static final int FALLBACK_SIZE = 256;
    public static final int DEFAULT_FPS = 25;
    public static final int DEFAULT_SLICE_LEN = 12;
    public static final int SAMPLE_RATE = 16000;

    /** What init reports back, as upstream's mock does. */
    public record Init(int width, int height, int fps, int sliceLen, int audioChunkSamples) {
    }

    /** One rendered frame, packed RGB. */
    public record Frame(int width, int height, int[] rgb) {
    }

    private BufferedImage reference;

    /** Decodes the image; an undecodable image becomes a mid-grey 256×256 frame, as upstream. */
    public Init init(byte[] referenceImage) {
        BufferedImage img = null;
        try {
            img = referenceImage == null ? null : ImageIO.read(new ByteArrayInputStream(referenceImage));
        } catch (IOException e) {
            img = null;
        }
        if (img == null) {
            img = new BufferedImage(FALLBACK_SIZE, FALLBACK_SIZE, BufferedImage.TYPE_INT_RGB);
            int[] grey = new int[FALLBACK_SIZE * FALLBACK_SIZE];
            Arrays.fill(grey, 0x808080);
            img.setRGB(0, 0, FALLBACK_SIZE, FALLBACK_SIZE, grey, 0, FALLBACK_SIZE);
        }
        int w = img.getWidth() & ~1;
        int h = img.getHeight() & ~1;
        if (w == 0 || h == 0) {
            throw new IllegalArgumentException("reference image is smaller than 2x2");
        }
        reference = img.getSubimage(0, 0, w, h);
        return new Init(w, h, DEFAULT_FPS, DEFAULT_SLICE_LEN, DEFAULT_SLICE_LEN * SAMPLE_RATE / DEFAULT_FPS);
    }

    /** Renders one frame; calling it before {@link #init} is an error, as upstream. */
    public Frame renderFrame() {
        if (reference == null) {
            throw new IllegalStateException("renderFrame before init");
        }
        int w = reference.getWidth();
        int h = reference.getHeight();
        return new Frame(w, h, reference.getRGB(0, 0, w, h, null, 0, w));
    }
}
