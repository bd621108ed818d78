package org.formulary;

import static org.formulary.TestData.FHIR_JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Transaction and batch Bundles over HTTP: a transaction is all or nothing (references to {@code urn:uuid}
 * fullUrls resolved, conditional entries honoured, one failing entry fails it with an OperationOutcome naming the
 * entry and stores nothing, not even a Provenance); a batch runs each entry on its own. Both answer with the
 * spec's response Bundle.
 */
@Tag(FormularyServerExtension.ALSO_ON_POSTGRESQL)
class TransactionTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    private static final String IDENTIFIER_SYSTEM = "http://example.org/fhir/test/transaction";

    @Test
    void transactionResolvesUrnUuidReferencesBetweenEntries() throws Exception {
        String medicationUrn = "urn:uuid:" + UUID.randomUUID();
        Medication medication = TestData.medication("transaction product");
        MedicationKnowledge knowledge = knowledgeOf(medicationUrn);
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        // The referencing entry comes first: references resolve whatever the order.
        post(transaction, "urn:uuid:" + UUID.randomUUID(), knowledge);
        post(transaction, medicationUrn, medication);

        HttpResponse<String> response = send(transaction);

        assertEquals(200, response.statusCode(), response.body());
        Bundle result = parse(response, Bundle.class);
        assertEquals(Bundle.BundleType.TRANSACTIONRESPONSE, result.getType());
        assertEquals(2, result.getEntry().size());
        for (Bundle.BundleEntryComponent entry : result.getEntry()) {
            assertEquals("201 Created", entry.getResponse().getStatus());
            assertTrue(entry.getResponse().getLocation().matches("[A-Za-z]+/[0-9a-f-]+/_history/1"),
                    entry.getResponse().getLocation());
            assertEquals("W/\"1\"", entry.getResponse().getEtag());
            assertNotNull(entry.getResponse().getLastModified());
        }
        String knowledgeLocation = result.getEntry().get(0).getResponse().getLocation();
        String medicationLocation = result.getEntry().get(1).getResponse().getLocation();
        assertTrue(knowledgeLocation.startsWith("MedicationKnowledge/"), knowledgeLocation);
        assertTrue(medicationLocation.startsWith("Medication/"), medicationLocation);
        String medicationId = medicationLocation.split("/")[1];

        MedicationKnowledge stored = parse(SERVER.get("/" + knowledgeLocation), MedicationKnowledge.class);
        assertEquals("Medication/" + medicationId,
                stored.getAssociatedMedicationFirstRep().getReference(), "urn:uuid replaced by Type/id");
        assertEquals(200, SERVER.get("/Medication/" + medicationId).statusCode());

        // One Provenance per write, all recorded at the transaction's one instant.
        Provenance provenance = provenanceOf("Medication/" + medicationId);
        assertEquals("Medication/" + medicationId + "/_history/1", provenance.getTargetFirstRep().getReference());
        assertEquals(result.getEntry().get(1).getResponse().getLastModified(), provenance.getRecorded());
        assertEquals(provenance.getRecorded(), provenanceOf(knowledgeLocation.replace("/_history/1", ""))
                .getRecorded());
    }

    @Test
    void transactionWithOneInvalidEntryStoresNothing() throws Exception {
        State before = state();
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        post(transaction, "urn:uuid:" + UUID.randomUUID(), TestData.medication("would be fine"));
        Medication invalid = TestData.medication("no code");
        invalid.getCode().getCoding().clear();
        invalid.getCode().setText(null);
        post(transaction, "urn:uuid:" + UUID.randomUUID(), invalid);

        HttpResponse<String> response = send(transaction);

        assertEquals(422, response.statusCode(), response.body());
        OperationOutcome oo = parse(response, OperationOutcome.class);
        assertTrue(oo.getIssueFirstRep().getDiagnostics().startsWith("Bundle.entry[1] (POST Medication)"),
                response.body());
        assertEquals("Bundle.entry[1]", oo.getIssueFirstRep().getExpression().get(0).getValue());
        assertEquals(before, state(), "no resource, version or Provenance was stored");
    }

    @Test
    void transactionValidatedOnEveryCoreNamesTheFirstInvalidEntry() throws Exception {
        State before = state();
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (int i = 0; i < 12; i++) {
            Medication medication = TestData.medication("parallel " + i);
            if (i == 4 || i == 9) {
                medication.getCode().getCoding().clear();
                medication.getCode().setText(null);
            }
            post(transaction, "urn:uuid:" + UUID.randomUUID(), medication);
        }

        HttpResponse<String> response = send(transaction);

        assertEquals(422, response.statusCode(), response.body());
        OperationOutcome oo = parse(response, OperationOutcome.class);
        assertTrue(oo.getIssueFirstRep().getDiagnostics().startsWith("Bundle.entry[4] (POST Medication)"),
                response.body());
        assertEquals(before, state(), "no resource, version or Provenance was stored");

        transaction.getEntry().subList(9, 10).clear();
        transaction.getEntry().subList(4, 5).clear();
        response = send(transaction);

        assertEquals(200, response.statusCode(), response.body());
        List<Bundle.BundleEntryComponent> entries = parse(response, Bundle.class).getEntry();
        assertEquals(10, entries.size());
        entries.forEach(entry -> assertEquals("201 Created", entry.getResponse().getStatus()));
        assertEquals(before.medications() + 10, state().medications());
    }

    @Test
    void transactionFailingInsideTheUnitOfWorkRollsBackEarlierWrites() throws Exception {
        Medication existing = created(TestData.medication("to be updated"));
        String id = existing.getIdElement().getIdPart();
        State before = state();
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        post(transaction, "urn:uuid:" + UUID.randomUUID(), TestData.medication("stored, then rolled back"));
        existing.getCode().setText("stale update");
        transaction.addEntry().setResource(existing).getRequest().setMethod(Bundle.HTTPVerb.PUT)
                .setUrl("Medication/" + id).setIfMatch("W/\"9\"");

        HttpResponse<String> response = send(transaction);

        assertEquals(412, response.statusCode(), response.body());
        assertTrue(parse(response, OperationOutcome.class).getIssueFirstRep().getDiagnostics()
                .startsWith("Bundle.entry[1] (PUT Medication/" + id + ")"), response.body());
        assertEquals(before, state());
        assertEquals("to be updated", parse(SERVER.get("/Medication/" + id), Medication.class).getCode().getText());
    }

    @Test
    void transactionWritingOneResourceTwiceIs400() throws Exception {
        Medication a = TestData.medication("a");
        a.setId("duplicate-target");
        Medication b = TestData.medication("b");
        b.setId("duplicate-target");
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        transaction.addEntry().setResource(a).getRequest().setMethod(Bundle.HTTPVerb.PUT)
                .setUrl("Medication/duplicate-target");
        transaction.addEntry().setResource(b).getRequest().setMethod(Bundle.HTTPVerb.PUT)
                .setUrl("Medication/duplicate-target");

        HttpResponse<String> response = send(transaction);

        assertEquals(400, response.statusCode(), response.body());
        assertTrue(response.body().contains("Bundle.entry[1]"), response.body());
        assertEquals(404, SERVER.get("/Medication/duplicate-target").statusCode());
    }

    @Test
    void transactionWithAnUnresolvableUrnReferenceIs400() throws Exception {
        State before = state();
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        post(transaction, "urn:uuid:" + UUID.randomUUID(), knowledgeOf("urn:uuid:" + UUID.randomUUID()));

        HttpResponse<String> response = send(transaction);

        assertEquals(400, response.statusCode(), response.body());
        assertTrue(response.body().contains("names no entry"), response.body());
        assertEquals(before, state());
    }

    @Test
    void conditionalCreateInATransactionPointsReferencesAtTheMatch() throws Exception {
        String value = UUID.randomUUID().toString();
        Medication first = TestData.medication("matched");
        first.addIdentifier().setSystem(IDENTIFIER_SYSTEM).setValue(value);
        String existingId = created(first).getIdElement().getIdPart();

        String urn = "urn:uuid:" + UUID.randomUUID();
        Medication again = TestData.medication("not stored");
        again.addIdentifier().setSystem(IDENTIFIER_SYSTEM).setValue(value);
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        transaction.addEntry().setFullUrl(urn).setResource(again).getRequest().setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Medication").setIfNoneExist("identifier=" + IDENTIFIER_SYSTEM + "|" + value);
        post(transaction, "urn:uuid:" + UUID.randomUUID(), knowledgeOf(urn));

        HttpResponse<String> response = send(transaction);

        assertEquals(200, response.statusCode(), response.body());
        Bundle result = parse(response, Bundle.class);
        assertEquals("200 OK", result.getEntry().get(0).getResponse().getStatus());
        assertEquals("Medication/" + existingId + "/_history/1", result.getEntry().get(0).getResponse().getLocation());
        assertEquals("201 Created", result.getEntry().get(1).getResponse().getStatus());
        MedicationKnowledge stored = parse(SERVER.get("/" + result.getEntry().get(1).getResponse().getLocation()),
                MedicationKnowledge.class);
        assertEquals("Medication/" + existingId, stored.getAssociatedMedicationFirstRep().getReference());
        assertEquals("matched", parse(SERVER.get("/Medication/" + existingId), Medication.class).getCode()
                .getText());
    }

    @Test
    void transactionRunsDeleteConditionalUpdateAndReadTogether() throws Exception {
        String doomed = created(TestData.medication("doomed")).getIdElement().getIdPart();
        String value = UUID.randomUUID().toString();
        Medication upserted = TestData.medication("upserted");
        upserted.addIdentifier().setSystem(IDENTIFIER_SYSTEM).setValue(value);
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        transaction.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Medication/baclofen-5mg-tablet");
        transaction.addEntry().setResource(upserted).getRequest().setMethod(Bundle.HTTPVerb.PUT)
                .setUrl("Medication?identifier=" + encode(IDENTIFIER_SYSTEM + "|" + value));
        transaction.addEntry().getRequest().setMethod(Bundle.HTTPVerb.DELETE).setUrl("Medication/" + doomed);

        HttpResponse<String> response = send(transaction);

        assertEquals(200, response.statusCode(), response.body());
        Bundle result = parse(response, Bundle.class);
        assertEquals("200 OK", result.getEntry().get(0).getResponse().getStatus());
        assertEquals("baclofen-5mg-tablet", result.getEntry().get(0).getResource().getIdElement().getIdPart());
        assertEquals("201 Created", result.getEntry().get(1).getResponse().getStatus());
        assertEquals("204 No Content", result.getEntry().get(2).getResponse().getStatus());
        assertEquals(410, SERVER.get("/Medication/" + doomed).statusCode());
        Bundle matches = parse(SERVER.get("/Medication?identifier=" + encode(IDENTIFIER_SYSTEM + "|" + value)),
                Bundle.class);
        assertEquals(1, matches.getEntry().size());
    }

    @Test
    void batchRunsEachEntryOnItsOwn() throws Exception {
        Medication invalid = TestData.medication("no code");
        invalid.getCode().getCoding().clear();
        invalid.getCode().setText(null);
        Provenance provenance = new Provenance();
        Bundle batch = new Bundle().setType(Bundle.BundleType.BATCH);
        post(batch, null, TestData.medication("batch good"));
        post(batch, null, invalid);
        batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Medication/baclofen-10mg-tablet");
        batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Medication/no-such-medication");
        post(batch, null, provenance);
        batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Medication?code=" + encode(
                TestData.RXNORM + "|197391") + "&_count=1");

        HttpResponse<String> response = send(batch);

        assertEquals(200, response.statusCode(), response.body());
        Bundle result = parse(response, Bundle.class);
        assertEquals(Bundle.BundleType.BATCHRESPONSE, result.getType());
        List<Bundle.BundleEntryComponent> entries = result.getEntry();
        assertEquals(6, entries.size());
        assertEquals("201 Created", entries.get(0).getResponse().getStatus());
        assertEquals(200, SERVER.get("/" + entries.get(0).getResponse().getLocation()).statusCode(),
                "the good entry was stored although another failed");
        assertFailure(entries.get(1), "422", "Bundle.entry[1]");
        assertEquals("200 OK", entries.get(2).getResponse().getStatus());
        assertEquals("baclofen-10mg-tablet", entries.get(2).getResource().getIdElement().getIdPart());
        assertFailure(entries.get(3), "404", "no-such-medication");
        assertFailure(entries.get(4), "405", "Provenance");
        assertEquals("200 OK", entries.get(5).getResponse().getStatus());
        Bundle searchset = (Bundle) entries.get(5).getResource();
        assertEquals(Bundle.BundleType.SEARCHSET, searchset.getType());
        assertEquals(1, searchset.getEntry().size());
    }

    @Test
    void bundleOfAnotherTypeIs400() throws Exception {
        Bundle collection = new Bundle().setType(Bundle.BundleType.COLLECTION);
        HttpResponse<String> response = send(collection);
        assertEquals(400, response.statusCode(), response.body());
        assertTrue(parse(response, OperationOutcome.class).getIssueFirstRep().getDiagnostics()
                .contains("transaction or batch"));
    }

    @Test
    void capabilityStatementClaimsTransactionAndBatch() throws Exception {
        CapabilityStatement cs = parse(SERVER.get("/metadata"), CapabilityStatement.class);
        List<CapabilityStatement.SystemRestfulInteraction> codes = cs.getRestFirstRep().getInteraction().stream()
                .map(CapabilityStatement.SystemInteractionComponent::getCode).toList();
        assertTrue(codes.contains(CapabilityStatement.SystemRestfulInteraction.TRANSACTION), codes.toString());
        assertTrue(codes.contains(CapabilityStatement.SystemRestfulInteraction.BATCH), codes.toString());
    }

    /** What a failed transaction must leave as it was: resources, versions and Provenances. */
    private record State(int medications, int versions, int provenances) {}

    private static State state() throws IOException, InterruptedException {
        return new State(total("/Medication?_summary=count"), parse(SERVER.get("/_history?_count=1"), Bundle.class)
                .getTotal(), total("/Provenance?_summary=count"));
    }

    private static int total(String path) throws IOException, InterruptedException {
        return parse(SERVER.get(path), Bundle.class).getTotal();
    }

    private static void assertFailure(Bundle.BundleEntryComponent entry, String status, String text) {
        assertTrue(entry.getResponse().getStatus().startsWith(status), entry.getResponse().getStatus());
        OperationOutcome oo = (OperationOutcome) entry.getResponse().getOutcome();
        assertNotNull(oo, "a failed entry carries its OperationOutcome");
        assertTrue(oo.getIssueFirstRep().getDiagnostics().contains(text), oo.getIssueFirstRep().getDiagnostics());
        assertFalse(entry.hasResource());
    }

    private static MedicationKnowledge knowledgeOf(String medicationReference) throws IOException {
        MedicationKnowledge knowledge = TestData.content(MedicationKnowledge.class, "baclofen-10mg-tablet");
        knowledge.setId((String) null);
        knowledge.getAssociatedMedicationFirstRep().setReference(medicationReference);
        return knowledge;
    }

    private static void post(Bundle bundle, String fullUrl, Resource resource) {
        bundle.addEntry().setFullUrl(fullUrl).setResource(resource).getRequest().setMethod(Bundle.HTTPVerb.POST)
                .setUrl(resource.fhirType());
    }

    private static Medication created(Medication medication) throws IOException, InterruptedException {
        HttpResponse<String> response = SERVER.send(SERVER.request("/Medication")
                .header("Content-Type", FHIR_JSON).header("Accept", FHIR_JSON)
                .POST(HttpRequest.BodyPublishers.ofString(json(medication))));
        assertEquals(201, response.statusCode(), response.body());
        return parse(response, Medication.class);
    }

    private static Provenance provenanceOf(String target) throws IOException, InterruptedException {
        Bundle found = parse(SERVER.get("/Provenance?target=" + encode(target)), Bundle.class);
        assertEquals(1, found.getEntry().size(), "one Provenance of " + target);
        return (Provenance) found.getEntryFirstRep().getResource();
    }

    private static HttpResponse<String> send(Bundle bundle) throws IOException, InterruptedException {
        return SERVER.send(SERVER.request("")
                .header("Content-Type", FHIR_JSON).header("Accept", FHIR_JSON)
                .POST(HttpRequest.BodyPublishers.ofString(json(bundle))));
    }

    private static String json(IBaseResource resource) {
        return SERVER.clientContext().newJsonParser().encodeResourceToString(resource);
    }

    private static <T extends IBaseResource> T parse(HttpResponse<String> response, Class<T> type) {
        return SERVER.clientContext().newJsonParser().parseResource(type, response.body());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
