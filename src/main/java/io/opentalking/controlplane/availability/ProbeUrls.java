package io.opentalking.controlplane.availability;

import java.net.URI;
import java.util.Locale;

/** URL derivations used by the probes, after upstream's rules (scheme map, endpoint path kept as prefix). */
public final class ProbeUrls {
    private ProbeUrls() {
    }

    /** ws→http, wss→https, http and https unchanged. */
    public static String httpScheme(String scheme) {
        return switch (scheme.toLowerCase(Locale.ROOT)) {
            case "ws", "http" -> "http";
            case "wss", "https" -> "https";
            default -> throw new IllegalArgumentException("unsupported scheme " + scheme);
        };
    }

    /** {@code <endpoint with ws→http>/<endpoint path without trailing slash><path>}; query and fragment dropped. */
    public static URI omnirtProbe(URI endpoint, String path) {
        String prefix = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
        while (prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        String p = path.startsWith("/") ? path : "/" + path;
        return URI.create(httpScheme(endpoint.getScheme()) + "://" + hostPort(endpoint) + prefix + p);
    }

    /** The ws url as http(s), with '/' appended to its path as upstream's probe does; query kept. */
    public static URI directWsProbe(URI wsUrl) {
        String path = wsUrl.getRawPath() == null || wsUrl.getRawPath().isEmpty() ? "" : wsUrl.getRawPath();
        if (!path.endsWith("/")) {
            path = path + "/";
        }
        String query = wsUrl.getRawQuery() == null ? "" : "?" + wsUrl.getRawQuery();
        return URI.create(httpScheme(wsUrl.getScheme()) + "://" + hostPort(wsUrl) + path + query);
    }

    public static int port(URI u) {
        if (u.getPort() > 0) {
            return u.getPort();
        }
        return switch (u.getScheme().toLowerCase(Locale.ROOT)) {
            case "wss", "https" -> 443;
            default -> 80;
        };
    }

    /** host:port without user info, safe to show to people. */
    public static String hostPort(URI u) {
        String host = u.getHost().contains(":") && !u.getHost().startsWith("[") ? "[" + u.getHost() + "]" : u.getHost();
        return u.getPort() > 0 ? host + ":" + u.getPort() : host;
    }
}
