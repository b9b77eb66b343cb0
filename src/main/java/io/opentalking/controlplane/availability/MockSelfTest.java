package io.opentalking.controlplane.availability;

import io.opentalking.controlplane.synth.MockSynthesizer;

import java.io.IOException;
import java.io.InputStream;

/** Runs the mock synthesizer once on the demo avatar image bundled in the jar: one frame, right size. */
final class MockSelfTest {
    static final String IMAGE_RESOURCE = "/demo-avatar/preview.png";

    LocalRuntimeCheck.Result run() {
        byte[] image;
        try (InputStream in = MockSelfTest.class.getResourceAsStream(IMAGE_RESOURCE)) {
            if (in == null) {
                return new LocalRuntimeCheck.Result(false, "demo avatar image missing from the server jar");
            }
            image = in.readAllBytes();
        } catch (IOException e) {
            return new LocalRuntimeCheck.Result(false, "demo avatar image unreadable: " + e.getMessage());
        }
        try {
            MockSynthesizer synth = new MockSynthesizer();
            MockSynthesizer.Init init = synth.init(image);
            MockSynthesizer.Frame frame = synth.renderFrame();
            boolean ok = frame.width() == init.width() && frame.height() == init.height()
                    && frame.rgb().length == init.width() * init.height();
            return new LocalRuntimeCheck.Result(ok, ok
                    ? "rendered one " + frame.width() + "x" + frame.height() + " frame of the demo avatar"
                    : "mock frame has the wrong size");
        } catch (RuntimeException e) {
            return new LocalRuntimeCheck.Result(false, "mock synthesizer failed: " + e.getMessage());
        }
    }
}
