package io.opentalking.controlplane.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Routes by method and path template ({@code /sessions/{id}}). A path that exists under other methods is a 405
 * with {@code Allow}; a path with a trailing slash whose bare form is a route is a 307 to it (as upstream);
 * anything else is a 404.
 */
public final class Router {
    public static final String UNMATCHED = "unmatched";

    /** A route's handler: parse, call one service, write the answer. */
    @FunctionalInterface
    public interface Route {
        void handle(Exchange ex) throws Exception;
    }

    /** A group of routes that registers itself. */
    public interface Routes {
        void register(Router router);
    }

    private record Entry(String method, String template, String[] segments, Route route) {
    }

    /** What a request matched. */
    sealed interface Match {
        record Found(String template, Map<String, String> params, Route route) implements Match {
        }

        record Redirect(String location) implements Match {
        }

        record NotAllowed(Set<String> allowed) implements Match {
        }

        record NotFound() implements Match {
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    public Router get(String template, Route route) {
        return add("GET", template, route);
    }

    public Router post(String template, Route route) {
        return add("POST", template, route);
    }

    public Router delete(String template, Route route) {
        return add("DELETE", template, route);
    }

    public Router add(Routes routes) {
        routes.register(this);
        return this;
    }

    private Router add(String method, String template, Route route) {
        entries.add(new Entry(method, template, split(template), route));
        return this;
    }

    /** Every method a route is registered under (the bounded label set of the request metric). */
    Set<String> methods() {
        Set<String> out = new TreeSet<>();
        entries.forEach(e -> out.add(e.method));
        return out;
    }

    /** Every (method, template) pair, for checks that a documented path exists. */
    public List<String> describe() {
        return entries.stream().map(e -> e.method + " " + e.template).toList();
    }

    Match match(String method, String path, String query) {
        String[] segs = split(path);
        Set<String> allowed = new TreeSet<>();
        for (Entry e : entries) {
            Map<String, String> params = bind(e.segments, segs);
            if (params == null) {
                continue;
            }
            if (e.method.equals(method)) {
                return new Match.Found(e.template, params, e.route);
            }
            allowed.add(e.method);
        }
        if (!allowed.isEmpty()) {
            return new Match.NotAllowed(allowed);
        }
        if (path.length() > 1 && path.endsWith("/")) {
            String bare = path.replaceAll("/+$", "");
            if (!bare.isEmpty() && match(method, bare, null) instanceof Match.Found) {
                return new Match.Redirect(query == null ? bare : bare + "?" + query);
            }
        }
        return new Match.NotFound();
    }

    /** Path parameters when the path fits the template; null when it does not. */
    private static Map<String, String> bind(String[] template, String[] path) {
        if (template.length != path.length) {
            return null;
        }
        Map<String, String> params = null;
        for (int i = 0; i < template.length; i++) {
            String t = template[i];
            if (t.startsWith("{") && t.endsWith("}")) {
                if (path[i].isEmpty()) {
                    return null;
                }
                if (params == null) {
                    params = new HashMap<>(2);
                }
                params.put(t.substring(1, t.length() - 1), path[i]);
            } else if (!t.equals(path[i])) {
                return null;
            }
        }
        return params == null ? Map.of() : params;
    }

    /** "/a/b/" → ["a", "b", ""]: a trailing slash is a segment of its own, so "/models/" is not "/models". */
    private static String[] split(String path) {
        if (path.equals("/")) {
            return new String[0];
        }
        return (path.startsWith("/") ? path.substring(1) : path).split("/", -1);
    }
}
