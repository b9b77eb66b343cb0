package io.opentalking.controlplane.synth;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MockSynthesizerTest {
    private static byte[] png(int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0x123456);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    @Test
    void framesAreTheReferenceCroppedToEvenSize() throws IOException {
        MockSynthesizer s = new MockSynthesizer();
        MockSynthesizer.Init init = s.init(png(33, 21));
        assertThat(init.width()).isEqualTo(32);
        assertThat(init.height()).isEqualTo(20);
        assertThat(init.audioChunkSamples()).isEqualTo(7680);
        MockSynthesizer.Frame f = s.renderFrame();
        assertThat(f.width()).isEqualTo(32);
        assertThat(f.rgb()).hasSize(32 * 20);
        assertThat(f.rgb()[0] & 0xffffff).isEqualTo(0x123456);
    }

    @Test
    void undecodableImagesBecomeAGreyFrame() {
        MockSynthesizer s = new MockSynthesizer();
        assertThat(s.init(new byte[]{1, 2, 3}).width()).isEqualTo(256);
        assertThat(s.renderFrame().rgb()[100] & 0xffffff).isEqualTo(0x808080);
    }

    @Test
    void renderBeforeInitIsAnError() {
        assertThatThrownBy(() -> new MockSynthesizer().renderFrame()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theDemoAvatarIsPaintedByTheProject() {
        BufferedImage img = DemoAvatarPainter.paint();
        assertThat(img.getWidth()).isEqualTo(256);
        assertThat(img.getRGB(128, 128)).isNotEqualTo(img.getRGB(2, 2));
    }
}
