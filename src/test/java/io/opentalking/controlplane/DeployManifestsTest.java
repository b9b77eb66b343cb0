package io.opentalking.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.opentalking.controlplane.config.AppConfig;
import io.opentalking.controlplane.config.ConfigLoader;
import io.opentalking.controlplane.config.ReadinessConfig;
import io.opentalking.controlplane.config.ServerConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/kubernetes against the code: the ConfigMap's file loads, every probe path is a route of the production
 * router (built without a socket), the probes fit the drain, the grace period outlasts drain plus shutdown, the
 * timing settings are the defaults, and the JVM flags are run.sh's.
 */
class DeployManifestsTest {
    private static final Path DIR = Path.of("deploy/kubernetes");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Map<String, JsonNode> BY_KIND = new HashMap<>();

    @TempDir
    Path tmp;

    @BeforeAll
    static void read() throws IOException {
        try (var files = Files.list(DIR)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (var docs = YAML.readerFor(JsonNode.class).<JsonNode>readValues(f.toFile())) {
                    while (docs.hasNext()) {
                        JsonNode doc = docs.next();
                        assertThat(BY_KIND.put(doc.get("kind").asText(), doc)).as("one " + doc.get("kind")).isNull();
                    }
                }
            }
        }
        assertThat(BY_KIND).containsOnlyKeys("Deployment", "Service", "PodDisruptionBudget", "ConfigMap");
    }

    private static JsonNode container() {
        JsonNode containers = BY_KIND.get("Deployment").at("/spec/template/spec/containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    private static Map<String, String> env() {
        Map<String, String> out = new HashMap<>();
        container().get("env").forEach(e -> {
            if (e.has("value")) {
                out.put(e.get("name").asText(), e.get("value").asText());
            }
        });
        return out;
    }

    private AppConfig config() throws IOException {
        Path file = tmp.resolve("config.yaml");
        Files.writeString(file, BY_KIND.get("ConfigMap").at("/data/config.yaml").asText());
        Map<String, String> e = new HashMap<>(env());
        e.put("OPENTALKING_CONFIG_FILE", file.toString());
        return ConfigLoader.load(e, tmp);
    }

    @Test
    void everyProbePathIsARouteOfTheProductionRouter() throws IOException {
        List<String> routes = ControlPlane.routes(config());
        JsonNode c = container();
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            String path = c.at("/" + probe + "/httpGet/path").asText();
            assertThat(routes).as(probe + " " + path).contains("GET " + path);
        }
        assertThat(c.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
        assertThat(c.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
    }

    @Test
    void theConfigMapFileLoadsAndListensWhereTheProbesAsk() throws IOException {
        AppConfig cfg = config();
        assertThat(cfg.configFile()).isPresent();
        assertThat(cfg.server().host()).isEqualTo("0.0.0.0");
        JsonNode port = container().get("ports").get(0);
        assertThat(port.get("containerPort").asInt()).isEqualTo(cfg.server().port()).isEqualTo(ServerConfig.DEFAULT_PORT);
        assertThat(container().at("/readinessProbe/httpGet/port").asText()).isEqualTo(port.get("name").asText());
        assertThat(BY_KIND.get("Service").at("/spec/ports/0/targetPort").asText()).isEqualTo(port.get("name").asText());
    }

    @Test
    void timingsAgreeWithTheDefaults() throws IOException {
        AppConfig cfg = config();
        assertThat(cfg.readiness().drain()).isEqualTo(ReadinessConfig.DEFAULT_DRAIN);
        assertThat(cfg.server().shutdownGrace()).isEqualTo(ServerConfig.DEFAULT_SHUTDOWN_GRACE);
        assertThat(cfg.readiness().requiresStore()).isFalse();
        long drainS = cfg.readiness().drain().toSeconds();
        long graceS = cfg.server().shutdownGrace().toSeconds();

        long termination = BY_KIND.get("Deployment").at("/spec/template/spec/terminationGracePeriodSeconds").asLong();
        assertThat(termination).as("terminationGracePeriodSeconds > drain + shutdown grace").isGreaterThan(drainS + graceS);
        JsonNode ready = container().get("readinessProbe");
        long noticed = ready.get("periodSeconds").asLong() * ready.get("failureThreshold").asLong();
        assertThat(noticed).as("s until the readiness probe sees the drain").isLessThan(drainS);
    }

    @Test
    void theJvmFlagsAreRunShs() throws IOException {
        String run = Files.readString(Path.of("run.sh"));
        Matcher m = Pattern.compile("^flags=\"(?:\\$flags )?([^\"]*)\"", Pattern.MULTILINE).matcher(run);
        List<String> flags = new ArrayList<>();
        while (m.find()) {
            Arrays.stream(m.group(1).split(" "))
                    // The AppCDS archive lives in the repository's target directory, which an image does not have.
                    .filter(f -> !f.contains("SharedArchive") && !f.startsWith("-Xlog:cds"))
                    .forEach(flags::add);
        }
        assertThat(flags).contains("-Xmx64m", "-XX:+UseG1GC", "-XX:-TieredCompilation");
        List<String> command = new ArrayList<>();
        container().get("command").forEach(a -> command.add(a.asText()));
        assertThat(command).containsAll(flags).endsWith("-jar", "/app/opentalking-controlplane.jar");
    }

    @Test
    void theMemoryRequestCoversTheMeasuredResidentSizeAndTheBudgetKeepsOneReplica() {
        JsonNode res = container().get("resources");
        // README "Performance": ~80 MB resident idle, ~140 MB right after load with run.sh's flags.
        assertThat(mebibytes(res.at("/requests/memory").asText())).isBetween(150L, 250L);
        assertThat(mebibytes(res.at("/limits/memory").asText())).isGreaterThan(250L);
        JsonNode pdb = BY_KIND.get("PodDisruptionBudget");
        assertThat(pdb.at("/spec/maxUnavailable").asInt()).isLessThan(BY_KIND.get("Deployment").at("/spec/replicas").asInt());
        JsonNode labels = BY_KIND.get("Deployment").at("/spec/template/metadata/labels");
        assertThat(pdb.at("/spec/selector/matchLabels")).isEqualTo(labels);
        assertThat(BY_KIND.get("Service").at("/spec/selector")).isEqualTo(labels);
    }

    private static long mebibytes(String quantity) {
        assertThat(quantity).endsWith("Mi");
        return Long.parseLong(quantity.substring(0, quantity.length() - 2));
    }
}
