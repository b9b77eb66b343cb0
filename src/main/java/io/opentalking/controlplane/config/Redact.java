package io.opentalking.controlplane.config;

import java.net.URI;
import java.util.Optional;
import java.util.regex.Pattern;

/** Removes passwords from URLs before they reach a message, a log line or a {@code toString}. */
public final class Redact {
    /** {@code scheme://userinfo@}: matched on the text, so it works on URLs {@link URI} cannot parse too. */
    private static final Pattern USERINFO = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)@");

    private Redact() {
    }

    /** The URL text with any user info replaced by {@code ***}. */
    public static String url(String text) {
        return text == null ? null : USERINFO.matcher(text).replaceFirst("$1***@");
    }

    public static String url(URI uri) {
        return url(uri.toString());
    }

    public static String url(Optional<URI> uri) {
        return uri.map(Redact::url).orElse("unset");
    }
}
