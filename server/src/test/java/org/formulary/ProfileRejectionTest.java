package org.formulary;

import static org.formulary.TestData.FHIR_JSON;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.StructureDefinition.StructureDefinitionKind;
import org.hl7.fhir.r4.model.StructureDefinition.TypeDerivationRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every resource profile of {@code conformance/} is enforced on create: for each profile, fixtures under
 * {@code src/test/resources/invalid/<profile-id>/} (each a content file of the repository, or a minimal valid
 * resource, with exactly one rule broken, most of them a rule our profile adds to base FHIR) are POSTed to
 * {@code /<type>}; each must answer 422 with an OperationOutcome whose error issues include the validator message
 * listed for it in {@code invalid/expected-messages.tsv}, and must store nothing (the type's search total is
 * unchanged). A coverage test fails the build when a resource profile has fewer than two fixtures, and two contrast
 * tests show that valid resources of the same kind are accepted and counted.
 */
class ProfileRejectionTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    /** The invalid fixtures, one subfolder per profile id. */
    private static final String INVALID = "invalid";
    /** The manifest in {@link #INVALID}: fixture path (relative to the folder) TAB expected message substring. */
    private static final String MANIFEST = "expected-messages.tsv";
    private static final int MIN_FIXTURES_PER_PROFILE = 2;

    // ------------------------------------------------------------------------------------ invalid fixtures

    static Stream<Arguments> manifest() {
        return readManifest().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("manifest")
    void invalidFixtureIsRejectedWithItsMessageAndNothingIsStored(String fixture, String expectedMessage)
            throws Exception {
        String body = Files.readString(testResources(INVALID).resolve(fixture), StandardCharsets.UTF_8);
        String type = resourceType(body);
        int before = total(type);

        HttpResponse<String> response = post("/" + type, body);

        assertEquals(422, response.statusCode(), fixture + " must be rejected: " + response.body());
        List<String> errors = errorDiagnostics(outcome(response));
        assertFalse(errors.isEmpty(), fixture + ": the 422 carries the validator's errors: " + response.body());
        assertTrue(errors.stream().anyMatch(d -> d.contains(expectedMessage)),
                () -> fixture + ": no error issue contains\n  [" + expectedMessage + "]\nerrors:\n  "
                        + String.join("\n  ", errors));
        assertFalse(response.headers().firstValue("Location").isPresent(), fixture + ": nothing was created");
        assertEquals(before, total(type), fixture + ": the " + type + " total is unchanged, nothing was stored");
    }

    // ------------------------------------------------------------------------------------------ coverage

    /**
     * Every resource profile (kind resource, derivation constraint) of {@code conformance/} has a fixture folder
     * named by its id with at least {@value #MIN_FIXTURES_PER_PROFILE} fixtures, each of the profile's type, claiming
     * the profile in {@code meta.profile}, without an id, and listed in the manifest; and the manifest and the folders
     * name nothing else.
     */
    @Test
    void everyResourceProfileHasAtLeastTwoRejectionFixtures() throws Exception {
        Path conformance = TestData.repositoryResourcesDir().resolveSibling("conformance");
        Map<String, StructureDefinition> profiles = resourceProfiles(conformance);
        assertFalse(profiles.isEmpty(), "no resource profiles found in " + conformance.toAbsolutePath());

        Path invalidDir = testResources(INVALID);
        Map<String, String> manifest = readManifest();
        List<Executable> checks = new ArrayList<>();

        for (StructureDefinition profile : profiles.values()) {
            String id = profile.getIdElement().getIdPart();
            Path folder = invalidDir.resolve(id);
            List<Path> fixtures = jsonFiles(folder);
            checks.add(() -> assertTrue(fixtures.size() >= MIN_FIXTURES_PER_PROFILE,
                    "profile " + id + " (" + profile.getType() + ") needs at least " + MIN_FIXTURES_PER_PROFILE
                            + " invalid fixtures in src/test/resources/invalid/" + id + "/, found " + fixtures.size()));
            for (Path file : fixtures) {
                String relative = id + "/" + file.getFileName();
                String text = Files.readString(file, StandardCharsets.UTF_8);
                IBaseResource resource = SERVER.clientContext().newJsonParser().parseResource(text);
                checks.add(() -> assertTrue(manifest.containsKey(relative),
                        relative + " is listed in " + MANIFEST + " with its expected message"));
                checks.add(() -> assertEquals(profile.getType(), resource.fhirType(),
                        relative + " is a resource of the profile's type"));
                checks.add(() -> assertTrue(resource.getMeta().getProfile().stream()
                                .map(p -> p.getValue()).anyMatch(profile.getUrl()::equals),
                        relative + " claims " + profile.getUrl() + " in meta.profile"));
                checks.add(() -> assertFalse(resource.getIdElement().hasIdPart(),
                        relative + " has no id (create assigns one)"));
            }
        }
        for (String fixture : manifest.keySet()) {
            String folder = fixture.contains("/") ? fixture.substring(0, fixture.indexOf('/')) : "";
            checks.add(() -> assertTrue(profiles.containsKey(folder),
                    MANIFEST + " row " + fixture + " is in the folder of a resource profile"));
            checks.add(() -> assertTrue(Files.isRegularFile(invalidDir.resolve(fixture)),
                    MANIFEST + " row " + fixture + " names an existing file"));
        }
        try (Stream<Path> dirs = Files.list(invalidDir)) {
            for (Path dir : dirs.filter(Files::isDirectory).collect(Collectors.toList())) {
                String name = dir.getFileName().toString();
                checks.add(() -> assertTrue(profiles.containsKey(name),
                        "folder invalid/" + name + " is named after a resource profile of conformance/"));
            }
        }
        assertAll(checks);
    }

    // ------------------------------------------------------------------------------------------ contrast

    /** A valid content file is accepted, and the total the rejection tests compare does count a stored resource. */
    @Test
    void validContentFileIsAcceptedAndCounted() throws Exception {
        Path file = TestData.repositoryResourcesDir()
                .resolve("MedicinalProductUndesirableEffect/baclofen-drowsiness.json");
        assertCreated("MedicinalProductUndesirableEffect", withoutId(Files.readString(file, StandardCharsets.UTF_8)));
    }

    /**
     * The contraindication profile has no content file; its fixtures are derived from this minimal resource, which
     * must itself be accepted (so each fixture breaks only the rule it is named after).
     */
    @Test
    void validContraindicationIsAcceptedAndCounted() throws Exception {
        assertCreated("MedicinalProductContraindication", Files.readString(
                testResources("valid").resolve("formulary-contraindication/baclofen-hypersensitivity.json"),
                StandardCharsets.UTF_8));
    }

    // -------------------------------------------------------------------------------------- known gaps


    // --------------------------------------------------------------------------------------------- helpers

    private static void assertCreated(String type, String body) throws IOException, InterruptedException {
        int before = total(type);

        HttpResponse<String> response = post("/" + type, body);

        assertEquals(201, response.statusCode(), response.body());
        assertEquals(before + 1, total(type), "the created " + type + " is counted");
    }

    /** The manifest's rows in file order: fixture path relative to {@link #INVALID}, expected message substring. */
    private static Map<String, String> readManifest() {
        String text;
        try {
            text = Files.readString(testResources(INVALID).resolve(MANIFEST), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> rows = new LinkedHashMap<>();
        int lineNumber = 0;
        for (String line : text.split("\r?\n")) {
            lineNumber++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int tab = line.indexOf('\t');
            if (tab <= 0 || line.substring(tab + 1).isBlank()) {
                throw new IllegalStateException(MANIFEST + " line " + lineNumber
                        + ": expected <fixture path> TAB <message substring>: " + line);
            }
            String fixture = line.substring(0, tab).strip();
            if (rows.put(fixture, line.substring(tab + 1)) != null) {
                throw new IllegalStateException(MANIFEST + " line " + lineNumber + ": " + fixture + " is listed twice");
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalStateException(MANIFEST + " lists no fixtures");
        }
        return rows;
    }

    /** The resource profiles of the conformance folder (kind resource, derivation constraint), by id. */
    private static Map<String, StructureDefinition> resourceProfiles(Path conformance) throws IOException {
        Map<String, StructureDefinition> profiles = new TreeMap<>();
        try (Stream<Path> files = Files.list(conformance)) {
            for (Path file : files.filter(p -> p.getFileName().toString().startsWith("StructureDefinition-")
                    && p.getFileName().toString().endsWith(".json")).sorted().collect(Collectors.toList())) {
                StructureDefinition sd = SERVER.clientContext().newJsonParser()
                        .parseResource(StructureDefinition.class, Files.readString(file, StandardCharsets.UTF_8));
                if (sd.getKind() == StructureDefinitionKind.RESOURCE
                        && sd.getDerivation() == TypeDerivationRule.CONSTRAINT) {
                    profiles.put(sd.getIdElement().getIdPart(), sd);
                }
            }
        }
        return profiles;
    }

    private static List<Path> jsonFiles(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".json")).sorted()
                    .collect(Collectors.toList());
        }
    }

    /**
     * The folder {@code name} of the module's {@code src/test/resources}, read from the source tree rather than the
     * class path, so a fixture deleted or renamed in the sources cannot linger as a stale copy in target/.
     */
    private static Path testResources(String name) {
        Path dir = TestData.repositoryResourcesDir().resolveSibling("server")
                .resolve("src/test/resources").resolve(name);
        assertTrue(Files.isDirectory(dir), "test fixtures folder " + dir.toAbsolutePath());
        return dir;
    }

    private static String resourceType(String json) {
        return SERVER.clientContext().newJsonParser().parseResource(json).fhirType();
    }

    /** {@code json} re-encoded without the resource's id (a create must not carry one). */
    private static String withoutId(String json) {
        Resource resource = (Resource) SERVER.clientContext().newJsonParser().parseResource(json);
        resource.setIdElement(null);
        return SERVER.clientContext().newJsonParser().encodeResourceToString(resource);
    }

    private static List<String> errorDiagnostics(OperationOutcome oo) {
        return oo.getIssue().stream()
                .filter(i -> i.getSeverity() == IssueSeverity.ERROR || i.getSeverity() == IssueSeverity.FATAL)
                .map(OperationOutcomeIssueComponent::getDiagnostics)
                .map(d -> d == null ? "" : d)
                .collect(Collectors.toList());
    }

    private static OperationOutcome outcome(HttpResponse<String> response) {
        IBaseResource resource = SERVER.clientContext().newJsonParser().parseResource(response.body());
        assertEquals("OperationOutcome", resource.fhirType(), response.body());
        return (OperationOutcome) resource;
    }

    /** The accurate number of stored resources of {@code type}. */
    private static int total(String type) throws IOException, InterruptedException {
        String path = "/" + type + "?_total=accurate&_count=0";
        HttpResponse<String> response = SERVER.get(path);
        assertEquals(200, response.statusCode(), path + " -> " + response.body());
        Bundle bundle = SERVER.clientContext().newJsonParser().parseResource(Bundle.class, response.body());
        assertTrue(bundle.hasTotal(), path + " gives a total");
        return bundle.getTotal();
    }

    private static HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return SERVER.send(SERVER.request(path)
                .header("Content-Type", FHIR_JSON)
                .header("Accept", FHIR_JSON)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }
}
