package io.opentalking.controlplane.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/** A small parser for the Prometheus text format: samples with their labels and values, for assertions. */
public final class PromText {
    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
        public boolean has(Map<String, String> wanted) {
            return wanted.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
        }
    }

    private final List<Sample> samples;
    private final String text;

    private PromText(String text, List<Sample> samples) {
        this.text = text;
        this.samples = List.copyOf(samples);
    }

    public static PromText parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String name;
            Map<String, String> labels = new LinkedHashMap<>();
            String rest;
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                int end = parseLabels(line, brace + 1, labels);
                rest = line.substring(end + 1).strip();
            } else {
                name = line.substring(0, space);
                rest = line.substring(space + 1).strip();
            }
            String value = rest.split("\\s+")[0];
            out.add(new Sample(name, labels, parseValue(value)));
        }
        return new PromText(text, out);
    }

    /** Parses {@code a="x",b="y"} starting after the brace; returns the index of the closing brace. */
    private static int parseLabels(String line, int i, Map<String, String> labels) {
        while (i < line.length() && line.charAt(i) != '}') {
            int eq = line.indexOf('=', i);
            String key = line.substring(i, eq).strip();
            StringBuilder v = new StringBuilder();
            int j = eq + 2; // skip ="
            while (line.charAt(j) != '"') {
                char c = line.charAt(j);
                if (c == '\\') {
                    char n = line.charAt(++j);
                    v.append(n == 'n' ? '\n' : n);
                } else {
                    v.append(c);
                }
                j++;
            }
            labels.put(key, v.toString());
            i = j + 1;
            if (i < line.length() && line.charAt(i) == ',') {
                i++;
            }
        }
        return i;
    }

    private static double parseValue(String v) {
        return switch (v) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(v);
        };
    }

    public List<Sample> samples(String name) {
        return samples.stream().filter(s -> s.name.equals(name)).toList();
    }

    public List<Sample> samples(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name.equals(name) && s.has(labels)).toList();
    }

    /** The single sample with this name and these labels (a subset), or empty. Fails if several match. */
    public OptionalDouble value(String name, Map<String, String> labels) {
        List<Sample> m = samples(name, labels);
        if (m.size() > 1) {
            throw new AssertionError(m.size() + " samples of " + name + " match " + labels + ": " + m);
        }
        return m.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(m.get(0).value());
    }

    public OptionalDouble value(String name) {
        return value(name, Map.of());
    }

    /** Sum of every sample with this name and these labels (a subset). */
    public double sum(String name, Map<String, String> labels) {
        return samples(name, labels).stream().mapToDouble(Sample::value).sum();
    }

    public String text() {
        return text;
    }
}
