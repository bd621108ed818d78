package org.formulary;

import static org.formulary.TestData.FHIR_JSON;
import static org.formulary.TestData.MEDICATION_KNOWLEDGE_PROFILE;
import static org.formulary.TestData.MEDICATION_PROFILE;
import static org.formulary.TestData.RXNORM;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.UriType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

/**
 * Profile validation over HTTP: {@code $validate} at type and instance level, with and without the {@code profile}
 * parameter, and the validating write path (422 and nothing stored for a resource that violates its profile). Also
 * checks that every content file of the repository validates without errors.
 */
class ValidationTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    private static final String UNKNOWN_PROFILE = "http://example.org/fhir/nowhere/StructureDefinition/no-such-profile";
    private static final String IDENTIFIER_SYSTEM = "urn:ietf:rfc:3986";

    // -------------------------------------------------------------------------------------------- type $validate

    @Test
    void validateValidResourceAnswers200WithoutErrors() throws Exception {
        HttpResponse<String> response = post("/Medication/$validate", json(validMedication("valid")));

        assertEquals(200, response.statusCode(), response.body());
        OperationOutcome oo = outcome(response);
        assertTrue(oo.hasIssue(), "an OperationOutcome always has at least one issue");
        assertEquals(List.of(), describe(errors(oo)));
    }

    @Test
    void validateInvalidResourceAnswers200WithLocatedErrors() throws Exception {
        Medication invalid = new Medication();
        invalid.setStatus(Medication.MedicationStatus.ACTIVE);

        HttpResponse<String> response = post("/Medication/$validate", json(invalid));

        assertEquals(200, response.statusCode(), "$validate answers 200 even when the resource has errors: "
                + response.body());
        OperationOutcome oo = outcome(response);
        List<OperationOutcomeIssueComponent> errors = errors(oo);
        assertFalse(errors.isEmpty(), "missing code, form and ingredient are errors");
        for (OperationOutcomeIssueComponent error : errors) {
            assertTrue(error.hasExpression() || error.hasLocation(),
                    "every error says where it is: " + error.getDiagnostics());
        }
        String all = errors.stream().map(OperationOutcomeIssueComponent::getDiagnostics).collect(Collectors.joining("\n"));
        for (String element : List.of("Medication.code", "Medication.form", "Medication.ingredient")) {
            assertTrue(all.contains(element), "an error names " + element + ":\n" + all);
        }
    }

    @Test
    void validateReportsProfileConstraintAtItsElement() throws Exception {
        Medication noUcum = validMedication("no ucum");
        noUcum.getIngredientFirstRep().getStrength().getNumerator().setSystem(null).setCode(null);

        HttpResponse<String> response = post("/Medication/$validate", json(noUcum));

        assertEquals(200, response.statusCode(), response.body());
        List<OperationOutcomeIssueComponent> errors = errors(outcome(response));
        assertEquals(1, errors.size(), "exactly the UCUM strength constraint fails: " + describe(errors));
        OperationOutcomeIssueComponent error = errors.get(0);
        assertTrue(error.getDiagnostics().contains("fm-ucum-strength"), error.getDiagnostics());
        assertTrue(error.getExpression().stream().anyMatch(e -> e.getValue().equals("Medication.ingredient[0].strength"))
                        || error.getLocation().stream().anyMatch(l -> l.getValue().equals("Medication.ingredient[0].strength")),
                "the error points at the strength: " + describe(errors));
    }

    // ---------------------------------------------------------------------------------------- instance $validate

    @Test
    void instanceValidateWithBody() throws Exception {
        Medication medication = validMedication("instance validate");
        medication.setId("baclofen-10mg-tablet");

        HttpResponse<String> response = post("/Medication/baclofen-10mg-tablet/$validate", json(medication));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(List.of(), describe(errors(outcome(response))));
    }

    @Test
    void instanceValidateWithInvalidBodyReportsErrors() throws Exception {
        Medication invalid = new Medication();
        invalid.setId("baclofen-10mg-tablet");
        invalid.setStatus(Medication.MedicationStatus.ACTIVE);

        HttpResponse<String> response = post("/Medication/baclofen-10mg-tablet/$validate", json(invalid));

        assertEquals(200, response.statusCode(), response.body());
        assertFalse(errors(outcome(response)).isEmpty(), "the body is validated, not the stored resource");
        assertEquals("1", storedVersion("baclofen-10mg-tablet"), "$validate stores nothing");
    }

    // ------------------------------------------------------------------------------------ the profile parameter

    /** Control for the profile parameter: the resource's own type profile, named explicitly, finds no errors. */
    @Test
    void profileParameterWithMatchingProfileFindsNoErrors() throws Exception {
        HttpResponse<String> response = post("/Medication/$validate",
                json(validateParameters(validMedication("profile ok"), MEDICATION_PROFILE)));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(List.of(), describe(errors(outcome(response))),
                "a conforming Medication validated against the Medication profile given as a uri parameter");
    }

    @Test
    void profileParameterWithMatchingProfileStillFindsItsErrors() throws Exception {
        Medication invalid = new Medication();
        invalid.setStatus(Medication.MedicationStatus.ACTIVE);

        HttpResponse<String> response = post("/Medication/$validate",
                json(validateParameters(invalid, MEDICATION_PROFILE)));

        assertEquals(200, response.statusCode(), response.body());
        String all = describe(errors(outcome(response))).toString();
        assertTrue(all.contains("Medication.form"), "validated against the named profile: " + all);
    }

    @Test
    void profileParameterWithProfileOfAnotherTypeGivesErrors() throws Exception {
        HttpResponse<String> response = post("/Medication/$validate",
                json(validateParameters(validMedication("wrong type"), MEDICATION_KNOWLEDGE_PROFILE)));

        assertEquals(200, response.statusCode(), response.body());
        List<OperationOutcomeIssueComponent> errors = errors(outcome(response));
        assertFalse(errors.isEmpty(), "a Medication does not conform to a MedicationKnowledge profile");
        // The profile is part of the server's package: the error must be the type mismatch, not a failed lookup.
        assertTrue(errors.stream().noneMatch(e -> e.getDiagnostics().contains("Failed to retrieve profile")),
                "the server knows this profile: " + describe(errors));
    }

    /** The same type mismatch with the profile as a URL query parameter. */
    @Test
    void profileQueryParameterWithProfileOfAnotherTypeGivesTypeMismatchError() throws Exception {
        HttpResponse<String> response = post("/Medication/$validate?profile="
                + URLEncoder.encode(MEDICATION_KNOWLEDGE_PROFILE, StandardCharsets.UTF_8), json(validMedication("q")));

        assertEquals(200, response.statusCode(), response.body());
        List<OperationOutcomeIssueComponent> errors = errors(outcome(response));
        assertFalse(errors.isEmpty());
        assertTrue(errors.stream().anyMatch(e -> e.getDiagnostics().contains("MedicationKnowledge")
                        && !e.getDiagnostics().contains("Failed to retrieve profile")),
                "a type mismatch against the resolved profile: " + describe(errors));
    }

    @Test
    void profileQueryParameterWithUnknownProfileGivesError() throws Exception {
        HttpResponse<String> response = post("/Medication/$validate?profile="
                + URLEncoder.encode(UNKNOWN_PROFILE, StandardCharsets.UTF_8), json(validMedication("q")));

        assertEquals(200, response.statusCode(), response.body());
        List<OperationOutcomeIssueComponent> errors = errors(outcome(response));
        assertTrue(errors.stream().anyMatch(e -> e.getDiagnostics().contains(UNKNOWN_PROFILE)), describe(errors).toString());
    }

    @Test
    void profileParameterWithUnknownProfileGivesErrorNamingIt() throws Exception {
        HttpResponse<String> response = post("/Medication/$validate",
                json(validateParameters(validMedication("unknown profile"), UNKNOWN_PROFILE)));

        assertEquals(200, response.statusCode(), response.body());
        List<OperationOutcomeIssueComponent> errors = errors(outcome(response));
        assertFalse(errors.isEmpty(), "an unknown profile is an error");
        assertTrue(errors.stream().anyMatch(e -> e.getDiagnostics().contains(UNKNOWN_PROFILE)), describe(errors).toString());
    }

    /** The same check with the profile as a URL query parameter (a form HAPI also accepts). */
    @Test
    void profileQueryParameterWithMatchingProfileFindsNoErrors() throws Exception {
        HttpResponse<String> response = post("/Medication/$validate?profile="
                + URLEncoder.encode(MEDICATION_PROFILE, StandardCharsets.UTF_8), json(validMedication("query")));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals(List.of(), describe(errors(outcome(response))));
    }

    @Test
    void resourceInParametersWithoutProfileIsValidatedAgainstItsTypeProfile() throws Exception {
        Parameters parameters = new Parameters();
        Medication invalid = new Medication();
        invalid.setStatus(Medication.MedicationStatus.ACTIVE);
        parameters.addParameter().setName("resource").setResource(invalid);

        HttpResponse<String> response = post("/Medication/$validate", json(parameters));

        assertEquals(200, response.statusCode(), response.body());
        assertFalse(errors(outcome(response)).isEmpty());
    }

    // -------------------------------------------------------------------------------------- validating writes

    @Test
    void createViolatingProfileIs422AndStoresNothing() throws Exception {
        String marker = UUID.randomUUID().toString();
        Medication invalid = new Medication();
        invalid.addIdentifier().setSystem(IDENTIFIER_SYSTEM).setValue("urn:uuid:" + marker);
        invalid.setStatus(Medication.MedicationStatus.ACTIVE);
        invalid.getCode().addCoding(new Coding(RXNORM, "197391", "baclofen 10 MG Oral Tablet"));
        int countBefore = total("/Medication?_summary=count");
        int historyBefore = total("/Medication/_history");

        HttpResponse<String> response = post("/Medication", json(invalid));

        assertEquals(422, response.statusCode(), response.body());
        OperationOutcome oo = outcome(response);
        List<OperationOutcomeIssueComponent> errors = errors(oo);
        assertFalse(errors.isEmpty(), "the 422 carries the validator's errors");
        assertTrue(describe(errors).toString().contains("Medication.form"), describe(errors).toString());
        assertFalse(response.headers().firstValue("Location").isPresent(), "nothing was created");

        assertEquals(countBefore, total("/Medication?_summary=count"), "search count unchanged");
        assertEquals(historyBefore, total("/Medication/_history"), "no version was stored");
        assertEquals(0, total("/Medication?identifier=" + encode(IDENTIFIER_SYSTEM + "|urn:uuid:" + marker)));
    }

    @Test
    void updateViolatingProfileIs422AndKeepsTheCurrentVersion() throws Exception {
        Medication invalid = new Medication();
        invalid.setId("baclofen-5mg-tablet");
        invalid.setStatus(Medication.MedicationStatus.ACTIVE);

        HttpResponse<String> response = put("/Medication/baclofen-5mg-tablet", json(invalid));

        assertEquals(422, response.statusCode(), response.body());
        assertFalse(errors(outcome(response)).isEmpty());
        assertEquals("1", storedVersion("baclofen-5mg-tablet"));
        assertEquals(1, total("/Medication/baclofen-5mg-tablet/_history"));
    }

    @Test
    void createOnUpdateViolatingProfileIs422AndCreatesNothing() throws Exception {
        String id = "invalid-put-" + UUID.randomUUID().toString().substring(0, 8);
        Medication invalid = new Medication();
        invalid.setId(id);
        invalid.setStatus(Medication.MedicationStatus.ACTIVE);

        HttpResponse<String> response = put("/Medication/" + id, json(invalid));

        assertEquals(422, response.statusCode(), response.body());
        assertEquals(404, SERVER.get("/Medication/" + id).statusCode());
    }

    @Test
    void resourceWithOnlyWarningsIsAccepted() throws Exception {
        Medication medication = validMedication("warnings only");
        // RxNorm is a code system the server cannot check (a warning), and there is no narrative (dom-6, a warning).
        HttpResponse<String> validation = post("/Medication/$validate", json(medication));
        assertEquals(200, validation.statusCode(), validation.body());
        OperationOutcome oo = outcome(validation);
        assertEquals(List.of(), describe(errors(oo)), "test setup: no errors");
        assertTrue(oo.getIssue().stream().anyMatch(i -> i.getSeverity() == IssueSeverity.WARNING),
                "test setup: the resource draws at least one warning");

        HttpResponse<String> created = post("/Medication", json(medication));

        assertEquals(201, created.statusCode(), created.body());
        String id = SERVER.clientContext().newJsonParser().parseResource(Medication.class, created.body())
                .getIdElement().getIdPart();
        assertEquals(200, SERVER.get("/Medication/" + id).statusCode());
    }

    @Test
    void unknownMetaProfileIsRejectedWith422() throws Exception {
        Medication medication = validMedication("unknown meta.profile");
        medication.getMeta().addProfile(UNKNOWN_PROFILE);
        int countBefore = total("/Medication?_summary=count");

        HttpResponse<String> response = post("/Medication", json(medication));

        assertEquals(422, response.statusCode(), response.body());
        List<OperationOutcomeIssueComponent> errors = errors(outcome(response));
        assertTrue(errors.stream().anyMatch(e -> e.getDiagnostics().contains(UNKNOWN_PROFILE)), describe(errors).toString());
        assertEquals(countBefore, total("/Medication?_summary=count"));

        HttpResponse<String> validation = post("/Medication/$validate", json(medication));
        assertEquals(200, validation.statusCode());
        assertFalse(errors(outcome(validation)).isEmpty(), "$validate agrees with the write path");
    }

    @Test
    void knownMetaProfileIsAccepted() throws Exception {
        Medication medication = validMedication("known meta.profile");
        medication.getMeta().addProfile(MEDICATION_PROFILE);

        HttpResponse<String> response = post("/Medication", json(medication));

        assertEquals(201, response.statusCode(), response.body());
    }

    // --------------------------------------------------------------------------------- the repository's content

    @Test
    void everyContentFileOfTheRepositoryValidatesWithoutErrors() throws Exception {
        Path dir = TestData.repositoryResourcesDir();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".json")).sorted()
                    .collect(Collectors.toList());
        }
        assertFalse(files.isEmpty(), "no content files under " + dir.toAbsolutePath());

        List<Executable> checks = new ArrayList<>();
        for (Path file : files) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            IBaseResource resource = SERVER.clientContext().newJsonParser().parseResource(text);
            String type = SERVER.clientContext().getResourceType(resource);
            HttpResponse<String> response = post("/" + type + "/$validate", text);
            checks.add(() -> {
                assertEquals(200, response.statusCode(), dir.relativize(file) + ": " + response.body());
                assertEquals(List.of(), describe(errors(outcome(response))), dir.relativize(file).toString());
            });
        }
        assertAll(checks);
    }

    // --------------------------------------------------------------------------------------------------- helpers

    /** A Medication that conforms to the formulary profile, with the ingredient details (no form text). */
    private static Medication validMedication(String text) {
        return TestData.medication(text, TestData.Extra.INGREDIENT_DETAILS);
    }

    /** The body of {@code $validate} per the spec: a Parameters with a {@code resource} and a {@code profile} (uri). */
    private static Parameters validateParameters(IBaseResource resource, String profile) {
        Parameters parameters = new Parameters();
        parameters.addParameter().setName("resource").setResource((org.hl7.fhir.r4.model.Resource) resource);
        parameters.addParameter().setName("profile").setValue(new UriType(profile));
        return parameters;
    }

    private static List<OperationOutcomeIssueComponent> errors(OperationOutcome oo) {
        Predicate<OperationOutcomeIssueComponent> error = i -> i.getSeverity() == IssueSeverity.ERROR
                || i.getSeverity() == IssueSeverity.FATAL;
        return oo.getIssue().stream().filter(error).collect(Collectors.toList());
    }

    private static List<String> describe(List<OperationOutcomeIssueComponent> issues) {
        return issues.stream()
                .map(i -> i.getSeverity().toCode() + " at " + i.getExpression().stream().map(Objects::toString)
                        .collect(Collectors.joining(",")) + ": " + i.getDiagnostics())
                .collect(Collectors.toList());
    }

    private static OperationOutcome outcome(HttpResponse<String> response) {
        IBaseResource resource = SERVER.clientContext().newJsonParser().parseResource(response.body());
        assertEquals("OperationOutcome", resource.fhirType(), response.body());
        return (OperationOutcome) resource;
    }

    private static String storedVersion(String id) throws IOException, InterruptedException {
        HttpResponse<String> response = SERVER.get("/Medication/" + id);
        assertEquals(200, response.statusCode(), response.body());
        return SERVER.clientContext().newJsonParser().parseResource(Medication.class, response.body())
                .getMeta().getVersionId();
    }

    private static int total(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = SERVER.get(path);
        assertEquals(200, response.statusCode(), path + " -> " + response.body());
        Bundle bundle = SERVER.clientContext().newJsonParser().parseResource(Bundle.class, response.body());
        assertTrue(bundle.hasTotal(), path + " gives a total");
        return bundle.getTotal();
    }

    private static String json(IBaseResource resource) {
        return SERVER.clientContext().newJsonParser().encodeResourceToString(resource);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return SERVER.send(SERVER.request(path)
                .header("Content-Type", FHIR_JSON)
                .header("Accept", FHIR_JSON)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static HttpResponse<String> put(String path, String body) throws IOException, InterruptedException {
        return SERVER.send(SERVER.request(path)
                .header("Content-Type", FHIR_JSON)
                .header("Accept", FHIR_JSON)
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }
}
