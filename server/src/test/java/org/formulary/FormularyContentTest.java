package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.ActivityDefinition;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.MedicinalProductUndesirableEffect;
import org.hl7.fhir.r4.model.Narrative;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Ratio;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The formulary content as served: the issue's searches, the dosing templates' {@code $apply}, the drug
 * {@code $compare} (built from stored resources, so it follows their changes) and generated narratives.
 */
class FormularyContentTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    private static final String RXNORM = TestData.RXNORM;

    @Test
    void findsTheBaclofen10mgTabletByRxNorm() throws Exception {
        assertEquals(List.of("baclofen-10mg-tablet"), ids(search("/Medication?code=" + enc(RXNORM + "|197391"))));
    }

    @Test
    void findsTheMonographsByAtcClassification() throws Exception {
        Set<String> ids = Set.copyOf(ids(search("/MedicationKnowledge?classification=M03BX01")));
        assertTrue(ids.contains("baclofen-10mg-tablet"), ids.toString());
        assertTrue(ids.stream().allMatch(id -> id.startsWith("baclofen-")), ids.toString());
        assertTrue(Set.copyOf(ids(search("/MedicationKnowledge?classification=N05BA01"))).stream()
                .allMatch(id -> id.startsWith("diazepam-")));
    }

    @Test
    void findsTheUndesirableEffectsOfAProduct() throws Exception {
        Bundle bundle = search("/MedicinalProductUndesirableEffect?subject=Medication/baclofen-10mg-tablet&_count=100");
        Set<String> ids = Set.copyOf(ids(bundle));
        assertTrue(ids.contains("baclofen-drowsiness"), ids.toString());
        assertTrue(ids.stream().allMatch(id -> id.startsWith("baclofen-")), ids.toString());
        assertEquals(Set.of(), Set.copyOf(ids(search(
                "/MedicinalProductUndesirableEffect?subject=Medication/baclofen-10mg-tablet&effect=87715008"))),
                "dry mouth is tizanidine's, not baclofen's");
    }

    @Test
    void appliesTheTitrationTemplateToAPatient() throws Exception {
        ActivityDefinition template = SERVER.client().read().resource(ActivityDefinition.class)
                .withId("baclofen-oral-titration").execute();
        HttpResponse<String> response = SERVER.get("/ActivityDefinition/baclofen-oral-titration/$apply?subject="
                + enc("Patient/example"));
        assertEquals(200, response.statusCode(), response.body());
        MedicationRequest request = parse(MedicationRequest.class, response.body());
        assertEquals(MedicationRequest.MedicationRequestStatus.DRAFT, request.getStatus());
        assertEquals(MedicationRequest.MedicationRequestIntent.PROPOSAL, request.getIntent());
        assertEquals("Patient/example", request.getSubject().getReference());
        assertFalse(request.hasId(), "the proposal is not stored");
        assertEquals(template.getProductReference().getReference(), request.getMedicationReference().getReference());
        assertEquals(template.getDosage().size(), request.getDosageInstruction().size());
        assertTrue(request.getDosageInstruction().size() >= 4, "titration steps");
        assertTrue(request.getInstantiatesCanonical().get(0).getValue().startsWith(template.getUrl()));
        Quantity firstDose = request.getDosageInstructionFirstRep().getDoseAndRateFirstRep().getDoseQuantity();
        assertEquals(0, firstDose.getValue().compareTo(java.math.BigDecimal.valueOf(5)), "starts at 5 mg");
        assertEquals("mg", firstDose.getCode());
    }

    @Test
    void applyRefusesAMissingOrMalformedSubjectAndAnUnknownTemplate() throws Exception {
        assertEquals(400, SERVER.get("/ActivityDefinition/baclofen-oral-titration/$apply").statusCode());
        assertEquals(400, SERVER.get("/ActivityDefinition/baclofen-oral-titration/$apply?subject=nobody").statusCode());
        HttpResponse<String> unknown = SERVER.get("/ActivityDefinition/no-such-template/$apply?subject=Patient/x");
        assertEquals(404, unknown.statusCode(), unknown.body());
        parse(OperationOutcome.class, unknown.body());
    }

    @Test
    void comparesTheThreeDrugsSideBySide() throws Exception {
        Parameters comparison = compare("code=1292&code=57258&code=3322");
        List<ParametersParameterComponent> drugs = comparison.getParameter().stream()
                .filter(p -> p.getName().equals("drug")).toList();
        assertEquals(3, drugs.size());
        assertEquals(List.of("baclofen", "tizanidine", "diazepam"), drugs.stream()
                .map(d -> part(d, "name").get(0).getValue().primitiveValue().toLowerCase()).toList());

        ParametersParameterComponent baclofen = drugs.get(0);
        assertTrue(part(baclofen, "classification").stream().anyMatch(c -> c.getValue().toString().contains("M03BX01")
                || ((org.hl7.fhir.r4.model.CodeableConcept) c.getValue()).getCoding().stream()
                        .anyMatch(code -> "M03BX01".equals(code.getCode()))));
        Ratio max = (Ratio) part(baclofen, "maximumDose").get(0).getValue();
        assertEquals(0, max.getNumerator().getValue().compareTo(java.math.BigDecimal.valueOf(80)), "80 mg a day");
        ParametersParameterComponent drowsiness = part(baclofen, "adverseEffect").stream()
                .filter(e -> part(e, "source").get(0).getValue().toString().contains("baclofen-drowsiness")
                        || ((org.hl7.fhir.r4.model.Reference) part(e, "source").get(0).getValue()).getReference()
                                .equals("MedicinalProductUndesirableEffect/baclofen-drowsiness"))
                .findFirst().orElseThrow();
        Range incidence = (Range) part(drowsiness, "incidence").get(0).getValue();
        assertEquals(0, incidence.getLow().getValue().compareTo(java.math.BigDecimal.TEN));
        assertEquals(0, incidence.getHigh().getValue().compareTo(java.math.BigDecimal.valueOf(63)));
        assertFalse(part(baclofen, "warning").isEmpty(), "baclofen's withdrawal warning");

        ParametersParameterComponent tizanidineEffect = part(drugs.get(1), "effectiveness").get(0);
        assertTrue(part(tizanidineEffect, "statement").get(0).getValue().primitiveValue().contains("muscle tone"));
        assertEquals("low", part(tizanidineEffect, "certainty").get(0).getValue().primitiveValue(),
                "the seed's comparison table is published as a low-certainty statement");

        ParametersParameterComponent diazepam = drugs.get(2);
        String controlled = part(diazepam, "controlledStatus").stream()
                .map(p -> ((org.hl7.fhir.r4.model.CodeableConcept) p.getValue()).getText()).collect(Collectors.joining());
        assertTrue(controlled.contains("IV"), controlled);
    }

    @Test
    void comparisonAnswersTheSameOverPost() throws Exception {
        Parameters body = new Parameters();
        body.addParameter().setName("code").setValue(new org.hl7.fhir.r4.model.StringType("1292"));
        body.addParameter().setName("code").setValue(new org.hl7.fhir.r4.model.StringType("3322"));
        HttpResponse<String> response = SERVER.send(SERVER.request("/MedicationKnowledge/$compare")
                .header("Content-Type", TestData.FHIR_JSON).header("Accept", TestData.FHIR_JSON)
                .POST(HttpRequest.BodyPublishers.ofString(TestData.parser().encodeResourceToString(body))));
        assertEquals(200, response.statusCode(), response.body());
        Parameters viaPost = parse(Parameters.class, response.body());
        Parameters viaGet = compare("code=1292&code=3322");
        assertTrue(viaPost.equalsDeep(viaGet), "POST and GET give the same comparison");
    }

    @Test
    void comparisonOfAnUnknownDrugIs404NamingIt() throws Exception {
        HttpResponse<String> response = SERVER.get("/MedicationKnowledge/$compare?code=1292&code=999999");
        assertEquals(404, response.statusCode(), response.body());
        assertTrue(parse(OperationOutcome.class, response.body()).getIssueFirstRep().getDiagnostics().contains("999999"));
        assertEquals(404, SERVER.get("/MedicationKnowledge/$compare?id=no-such-monograph").statusCode());
        assertEquals(400, SERVER.get("/MedicationKnowledge/$compare").statusCode());
    }

    @Test
    void comparisonFollowsAChangeToAStoredResource() throws Exception {
        MedicinalProductUndesirableEffect effect = SERVER.client().read()
                .resource(MedicinalProductUndesirableEffect.class).withId("tizanidine-dry-mouth").execute();
        String before = SERVER.get("/MedicationKnowledge/$compare?code=57258").body();
        assertFalse(before.contains("changed-for-test"));
        effect.getSymptomConditionEffect().setText("Dry mouth (changed-for-test)");
        SERVER.client().update().resource(effect).execute();
        String after = SERVER.get("/MedicationKnowledge/$compare?code=57258").body();
        assertTrue(after.contains("changed-for-test"), after);
    }

    @Test
    void everyLoadedResourceHasAGeneratedNarrative() throws Exception {
        for (String type : List.of("Medication", "MedicationKnowledge", "MedicinalProductUndesirableEffect",
                "ActivityDefinition", "DetectedIssue", "DocumentReference")) {
            Bundle bundle = search("/" + type + "?_count=200");
            assertFalse(bundle.getEntry().isEmpty(), type);
            for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
                DomainResource resource = (DomainResource) entry.getResource();
                assertEquals(Narrative.NarrativeStatus.GENERATED, resource.getText().getStatus(), type);
                assertTrue(resource.getText().getDivAsString().contains("<table>"), type);
            }
        }
    }

    private static Parameters compare(String query) throws Exception {
        HttpResponse<String> response = SERVER.get("/MedicationKnowledge/$compare?" + query);
        assertEquals(200, response.statusCode(), response.body());
        return parse(Parameters.class, response.body());
    }

    private static List<ParametersParameterComponent> part(ParametersParameterComponent parent, String name) {
        return parent.getPart().stream().filter(p -> p.getName().equals(name)).toList();
    }

    private static Bundle search(String path) throws Exception {
        HttpResponse<String> response = SERVER.get(path);
        assertEquals(200, response.statusCode(), response.body());
        return parse(Bundle.class, response.body());
    }

    private static List<String> ids(Bundle bundle) {
        return bundle.getEntry().stream().map(e -> e.getResource().getIdElement().getIdPart()).toList();
    }

    private static <T extends Resource> T parse(Class<T> type, String body) {
        return TestData.parser().parseResource(type, body);
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
