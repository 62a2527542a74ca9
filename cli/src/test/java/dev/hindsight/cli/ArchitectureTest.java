package dev.hindsight.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of STYLE.md, checked on the production classes of every module (the cli module sees them all): the
 * core knows no engine, server or application; engines know only the core and never each other; libraries never reach
 * up into the server, the order system or the CLI; and no module uses another module's {@code internal} package.
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.hindsight");
    }

    private static final String CORE = "dev.hindsight.core..";
    private static final String INDEX = "dev.hindsight.index..";
    private static final String FILE = "dev.hindsight.store.file..";
    private static final String POSTGRES = "dev.hindsight.store.postgres..";
    private static final String KAFKA = "dev.hindsight.store.kafka..";
    private static final String AGGREGATE = "dev.hindsight.aggregate..";
    private static final String PROJECTION = "dev.hindsight.projection..";
    private static final String SERVER = "dev.hindsight.server..";
    private static final String ORDERS = "dev.hindsight.orders..";
    private static final String LOADGEN = "dev.hindsight.loadgen..";
    private static final String CLI = "dev.hindsight.cli..";
    private static final String TESTKIT = "dev.hindsight.testkit..";

    @Test
    void classesWereImported() {
        // guards against a vacuous pass: every module's main classes are on this test's class path
        for (String p : List.of(
                "dev.hindsight.core",
                "dev.hindsight.index",
                "dev.hindsight.store.file",
                "dev.hindsight.store.postgres",
                "dev.hindsight.store.kafka",
                "dev.hindsight.aggregate",
                "dev.hindsight.projection",
                "dev.hindsight.server",
                "dev.hindsight.orders",
                "dev.hindsight.loadgen",
                "dev.hindsight.cli")) {
            if (!classes.containPackage(p)) {
                throw new AssertionError("no classes imported from " + p);
            }
        }
    }

    @Test
    void aRuleAgainstAnExistingDependency_fails() {
        // the server does use the file engine (for its metrics): a rule forbidding that must report it
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> noClasses()
                        .that()
                        .resideInAPackage(SERVER)
                        .should()
                        .dependOnClassesThat()
                        .resideInAPackage(FILE)
                        .check(classes))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("dev.hindsight.server");
    }

    @Test
    void core_dependsOnNoOtherModule() {
        noClasses()
                .that()
                .resideInAPackage(CORE)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        INDEX, FILE, POSTGRES, KAFKA, AGGREGATE, PROJECTION, SERVER, ORDERS, LOADGEN, CLI, TESTKIT)
                .check(classes);
    }

    @Test
    void index_dependsOnTheJdkOnly() {
        // the shared index library (file engine now, the Kafka engine's per-aggregate index later) knows no module
        noClasses()
                .that()
                .resideInAPackage(INDEX)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        CORE, FILE, POSTGRES, KAFKA, AGGREGATE, PROJECTION, SERVER, ORDERS, LOADGEN, CLI, TESTKIT)
                .check(classes);
    }

    /** Engines know the core and the index library only, never each other. */
    @Test
    void engines_dependOnlyOnCore_neverOnEachOther() {
        noClasses()
                .that()
                .resideInAPackage(FILE)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(POSTGRES, KAFKA, AGGREGATE, PROJECTION, SERVER, ORDERS, LOADGEN, CLI, TESTKIT)
                .check(classes);
        noClasses()
                .that()
                .resideInAPackage(POSTGRES)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(FILE, KAFKA, AGGREGATE, PROJECTION, SERVER, ORDERS, LOADGEN, CLI, TESTKIT)
                .check(classes);
        noClasses()
                .that()
                .resideInAPackage(KAFKA)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(FILE, POSTGRES, AGGREGATE, PROJECTION, SERVER, ORDERS, LOADGEN, CLI, TESTKIT)
                .check(classes);
    }

    @Test
    void libraries_neverReachUpIntoServerApplicationsOrCli() {
        noClasses()
                .that()
                .resideInAPackage(AGGREGATE)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(FILE, POSTGRES, KAFKA, PROJECTION, SERVER, ORDERS, LOADGEN, CLI, TESTKIT)
                .check(classes);
        noClasses()
                .that()
                .resideInAPackage(PROJECTION)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(FILE, POSTGRES, KAFKA, SERVER, ORDERS, LOADGEN, CLI, TESTKIT)
                .check(classes);
        noClasses()
                .that()
                .resideInAPackage(SERVER)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(POSTGRES, KAFKA, AGGREGATE, PROJECTION, ORDERS, LOADGEN, CLI, TESTKIT)
                .check(classes);
        noClasses()
                .that()
                .resideInAPackage(ORDERS)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(FILE, POSTGRES, KAFKA, LOADGEN, CLI, TESTKIT)
                .check(classes);
        noClasses()
                .that()
                .resideInAPackage(LOADGEN)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(CLI, TESTKIT)
                .check(classes);
    }

    @Test
    void internalPackages_areUsedOnlyInsideTheirModule() {
        for (String module : List.of(
                "dev.hindsight.core",
                "dev.hindsight.index",
                "dev.hindsight.store.file",
                "dev.hindsight.store.postgres",
                "dev.hindsight.store.kafka",
                "dev.hindsight.aggregate",
                "dev.hindsight.projection",
                "dev.hindsight.server",
                "dev.hindsight.orders")) {
            noClasses()
                    .that()
                    .resideOutsideOfPackage(module + "..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAPackage(module + ".internal..")
                    .check(classes);
        }
    }
}
