package io.opentalking.controlplane.synth;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Arc2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Draws the project's own demo avatar (a friendly face on a gradient), so the repository ships an image it made
 * itself. Run {@code java -cp target/classes io.opentalking.controlplane.synth.DemoAvatarPainter <out.png>}.
 */
public final class DemoAvatarPainter {
    public static final int SIZE = 256;

    private DemoAvatarPainter() {
    }

    public static BufferedImage paint() {
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setPaint(new GradientPaint(0, 0, new Color(0x2b5876), SIZE, SIZE, new Color(0x4e4376)));
        g.fillRect(0, 0, SIZE, SIZE);
        g.setColor(new Color(0x3a3a5a));
        g.fill(new RoundRectangle2D.Double(48, 200, 160, 90, 60, 60));
        g.setColor(new Color(0xf1c27d));
        g.fill(new Ellipse2D.Double(68, 48, 120, 148));
        g.setColor(new Color(0x4a3222));
        g.fill(new Arc2D.Double(62, 36, 132, 100, 0, 180, Arc2D.CHORD));
        g.setColor(Color.WHITE);
        g.fill(new Ellipse2D.Double(94, 104, 24, 16));
        g.fill(new Ellipse2D.Double(138, 104, 24, 16));
        g.setColor(new Color(0x1d2b3a));
        g.fill(new Ellipse2D.Double(101, 106, 11, 11));
        g.fill(new Ellipse2D.Double(145, 106, 11, 11));
        g.setColor(new Color(0xb5543c));
        g.setStroke(new BasicStroke(5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(new Arc2D.Double(104, 128, 48, 36, 200, 140, Arc2D.OPEN));
        g.dispose();
        return img;
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "preview.png");
        Files.createDirectories(out.toAbsolutePath().getParent());
        ImageIO.write(paint(), "png", out.toFile());
    }
}
