package io.opentalking.controlplane;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Packages show the architecture. ArchUnit reads the compiled classes, so fully qualified names, wildcard
 * imports and signatures count, not only {@code import} lines. Plain JUnit tests calling {@code check} keep
 * this independent of ArchUnit's own test engine.
 */
class ArchitectureTest {
    private static final String ROOT = "io.opentalking.controlplane";
    private static final String[] DOMAIN = {ROOT + ".config..", ROOT + ".availability..", ROOT + ".queue..",
            ROOT + ".sessions..", ROOT + ".avatars..", ROOT + ".events..", ROOT + ".synth..", ROOT + ".faults..",
            ROOT + ".readiness.."};
    private static final String[] FRAMEWORKS = {"io.helidon..", "org.eclipse.jetty..", "io.javalin..",
            "io.lettuce..", "io.netty..", "io.micrometer.."};
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

    @Test
    void domainPackagesDependOnNoFrameworkNorStore() {
        ArchRule rule = noClasses().that().resideInAnyPackage(DOMAIN)
                .should().dependOnClassesThat().resideInAnyPackage(FRAMEWORKS)
                .orShould().dependOnClassesThat().resideInAnyPackage(ROOT + ".store..");
        rule.check(CLASSES);
    }

    @Test
    void domainPackagesDependOnNoOuterLayer() {
        ArchRule rule = noClasses().that().resideInAnyPackage(DOMAIN)
                .should().dependOnClassesThat().resideInAnyPackage(ROOT, ROOT + ".http..", ROOT + ".ops..",
                        ROOT + ".cli..");
        rule.check(CLASSES);
    }

    @Test
    void onlyTheStoreFactoryPackagesKnowTheRedisStore() {
        ArchRule rule = noClasses().that()
                .resideOutsideOfPackages(ROOT + ".store", ROOT + ".store.redis..")
                .should().dependOnClassesThat().resideInAPackage(ROOT + ".store.redis..");
        rule.check(CLASSES);
    }

    @Test
    void memoryStoreUsesNoRedisClient() {
        ArchRule rule = noClasses().that().resideInAPackage(ROOT + ".store.memory..")
                .should().dependOnClassesThat().resideInAnyPackage("io.lettuce..", "io.netty..");
        rule.check(CLASSES);
    }

    @Test
    void packagesHaveNoCycles() {
        ArchRule rule = slices().assignedFrom(eachPackageItsOwnSlice()).should().beFreeOfCycles();
        rule.check(CLASSES);
    }

    @Test
    void theStoreImplementationsDoNotReachBackToTheirWiring() {
        ArchRule rule = noClasses().that().resideInAnyPackage(ROOT + ".store.memory..", ROOT + ".store.redis..")
                .should().dependOnClassesThat().resideInAnyPackage(ROOT, ROOT + ".store");
        rule.check(CLASSES);
    }

    private static SliceAssignment eachPackageItsOwnSlice() {
        return new SliceAssignment() {
            @Override
            public SliceIdentifier getIdentifierOf(JavaClass c) {
                return c.getPackageName().startsWith(ROOT)
                        ? SliceIdentifier.of(c.getPackageName()) : SliceIdentifier.ignore();
            }

            @Override
            public String getDescription() {
                return "each package of " + ROOT + " its own slice";
            }
        };
    }
}
