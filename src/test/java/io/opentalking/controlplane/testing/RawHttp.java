package io.opentalking.controlplane.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bytes on a socket, for what an HTTP client library hides: how many responses came back, whether the server
 * closed the connection and when, what the status line says. Optionally from a chosen local address
 * (127.0.0.2, 127.0.0.3, ... are all this machine), to play several clients.
 */
public final class RawHttp implements AutoCloseable {
    /** Anywhere, not only at a line start: a body without a final newline runs into the next status line. */
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] (\\d{3}) ");

    /** What came back before the server closed the socket or the wait ended. */
    public record Seen(String text, boolean closedByServer, Duration took) {
        public int statusLines() {
            Matcher m = STATUS_LINE.matcher(text);
            int n = 0;
            while (m.find()) {
                n++;
            }
            return n;
        }

        public int firstStatus() {
            Matcher m = STATUS_LINE.matcher(text);
            if (!m.find()) {
                throw new AssertionError("no status line in: " + text);
            }
            return Integer.parseInt(m.group(1));
        }

        public String head() {
            int end = text.indexOf("\r\n\r\n");
            return end < 0 ? text : text.substring(0, end);
        }
    }

    private final Socket socket;

    private RawHttp(Socket socket) {
        this.socket = socket;
    }

    public static RawHttp connect(int port) {
        return connect("127.0.0.1", port);
    }

    public static RawHttp connect(String fromAddress, int port) {
        try {
            Socket s = new Socket();
            s.bind(new InetSocketAddress(fromAddress, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setTcpNoDelay(true);
            return new RawHttp(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public RawHttp send(String text) {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttp send(byte[] bytes) {
        try {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Tries to send; false when the server has already closed the connection. */
    public boolean trySend(String text) {
        try {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads until the server closes the connection or {@code max} passes. */
    public Seen read(Duration max) {
        long t0 = System.nanoTime();
        long deadline = t0 + max.toNanos();
        StringBuilder out = new StringBuilder();
        byte[] buf = new byte[8192];
        boolean closed = false;
        try {
            InputStream in = socket.getInputStream();
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    break;
                }
                if (n < 0) {
                    closed = true;
                    break;
                }
                out.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException e) {
            closed = true; // reset by the server
        }
        return new Seen(out.toString(), closed, Duration.ofNanos(System.nanoTime() - t0));
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
