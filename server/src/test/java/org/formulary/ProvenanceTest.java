package org.formulary;

import static org.formulary.TestData.FHIR_JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Provenance;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every accepted write stores a Provenance in the same transaction (target = the new version, recorded = its
 * lastUpdated, agent = the caller, activity = CREATE/UPDATE/DELETE); a rejected write stores none; clients read and
 * search Provenance but cannot write it.
 */
@Tag(FormularyServerExtension.ALSO_ON_POSTGRESQL)
class ProvenanceTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    private static final String DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation";

    @Test
    void createUpdateAndDeleteEachRecordAProvenanceOfTheNewVersion() throws Exception {
        Medication created = parse(write(SERVER.request("/Medication"), "POST", TestData.medication("v1")),
                Medication.class);
        String id = created.getIdElement().getIdPart();
        assertProvenance(id, 1, "CREATE", created.getMeta().getLastUpdatedElement().getValueAsString());

        created.getCode().setText("v2");
        Medication updated = parse(write(SERVER.request("/Medication/" + id), "PUT", created), Medication.class);
        assertEquals("2", updated.getMeta().getVersionId());
        assertProvenance(id, 2, "UPDATE", updated.getMeta().getLastUpdatedElement().getValueAsString());

        HttpResponse<String> unchanged = write(SERVER.request("/Medication/" + id), "PUT", updated);
        assertEquals(200, unchanged.statusCode(), unchanged.body());
        assertEquals(2, provenancesOf(id).size(), "an update that changed nothing records nothing");

        HttpResponse<String> deleted = SERVER.send(SERVER.request("/Medication/" + id)
                .header("Accept", FHIR_JSON).DELETE());
        assertEquals(200, deleted.statusCode(), deleted.body());
        Bundle history = parse(SERVER.get("/Medication/" + id + "/_history"), Bundle.class);
        String deletedAt = history.getEntryFirstRep().getResponse().getLastModifiedElement().getValueAsString();
        assertProvenance(id, 3, "DELETE", deletedAt);
    }

    @Test
    void rejectedWritesLeaveNoProvenance() throws Exception {
        Medication created = parse(write(SERVER.request("/Medication"), "POST", TestData.medication("kept")),
                Medication.class);
        String id = created.getIdElement().getIdPart();
        int before = provenanceTotal();

        Medication invalid = TestData.medication("invalid");
        invalid.getCode().getCoding().clear();
        invalid.getCode().setText(null);
        assertEquals(422, write(SERVER.request("/Medication"), "POST", invalid).statusCode());
        created.getCode().setText("stale");
        assertEquals(412, write(SERVER.request("/Medication/" + id).header("If-Match", "W/\"7\""), "PUT", created)
                .statusCode());

        assertEquals(before, provenanceTotal());
        assertEquals(1, provenancesOf(id).size());
    }

    @Test
    void theAgentIsTheTokensClientAndSubjectAndTheContentLoaderForContent() throws Exception {
        String token = SERVER.sign(SERVER.claims("system/Medication.c").subject("pharmacist-7")
                .claim("client_id", "formulary-editor-app").build());
        Medication created = parse(write(SERVER.request("/Medication").setHeader("Authorization", "Bearer " + token),
                "POST", TestData.medication("by a named client")), Medication.class);
        Provenance client = provenancesOf(created.getIdElement().getIdPart()).get(0);
        assertEquals("formulary-editor-app", client.getAgentFirstRep().getWho().getDisplay());
        assertEquals("pharmacist-7", client.getAgentFirstRep().getWho().getIdentifier().getValue());

        List<Provenance> content = provenancesOf("baclofen-10mg-tablet");
        assertEquals(1, content.size(), "the content was loaded once");
        assertEquals("formulary-server content loader", content.get(0).getAgentFirstRep().getWho().getDisplay());
        assertEquals("CREATE", content.get(0).getActivity().getCodingFirstRep().getCode());
    }

    @Test
    void provenanceIsSearchableByTargetAndRecorded() throws Exception {
        Medication created = parse(write(SERVER.request("/Medication"), "POST", TestData.medication("when")),
                Medication.class);
        String id = created.getIdElement().getIdPart();
        String at = created.getMeta().getLastUpdatedElement().getValueAsString();

        Bundle found = parse(SERVER.get("/Provenance?target=" + encode("Medication/" + id) + "&recorded="
                + encode("ge" + at)), Bundle.class);
        assertEquals(1, found.getEntry().size());
        Bundle none = parse(SERVER.get("/Provenance?target=" + encode("Medication/" + id) + "&recorded="
                + encode("lt" + at)), Bundle.class);
        assertEquals(0, none.getEntry().size());
    }

    @Test
    void provenanceIsSearchableByTheAgentsIdentifier() throws Exception {
        Medication created = parse(write(SERVER.request("/Medication"), "POST", TestData.medication("agent")),
                Medication.class);
        String target = "&target=" + encode("Medication/" + created.getIdElement().getIdPart());

        assertEquals(1, parse(SERVER.get("/Provenance?agent:identifier=" + TestTokens.CLIENT_ID + target), Bundle.class)
                .getEntry().size());
        assertEquals(0, parse(SERVER.get("/Provenance?agent:identifier=someone-else" + target), Bundle.class)
                .getEntry().size());
        Bundle loaded = parse(SERVER.get("/Provenance?_summary=count&agent:identifier="
                + encode("formulary-server content loader")), Bundle.class);
        assertTrue(loaded.getTotal() > 0, "the content loader's writes are found by its identifier");
    }

    @Test
    void storedProvenanceIsValidR4() throws Exception {
        Provenance provenance = provenancesOf("baclofen-5mg-tablet").get(0);
        HttpResponse<String> response = write(SERVER.request("/Provenance/$validate"), "POST", provenance);
        assertEquals(200, response.statusCode(), response.body());
        OperationOutcome oo = parse(response, OperationOutcome.class);
        assertFalse(oo.getIssue().stream().anyMatch(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR),
                response.body());
    }

    @Test
    void provenanceIsReadOnly() throws Exception {
        Provenance existing = provenancesOf("baclofen-10mg-tablet").get(0);
        String id = existing.getIdElement().getIdPart();
        int before = provenanceTotal();

        assertOutcome(write(SERVER.request("/Provenance"), "POST", existing), 405);
        assertOutcome(write(SERVER.request("/Provenance/" + id), "PUT", existing), 405);
        assertOutcome(SERVER.send(SERVER.request("/Provenance/" + id).header("Accept", FHIR_JSON).DELETE()), 405);

        assertEquals(before, provenanceTotal());
        assertEquals(200, SERVER.get("/Provenance/" + id).statusCode());
        Bundle history = parse(SERVER.get("/Provenance/" + id + "/_history"), Bundle.class);
        assertEquals(1, history.getEntry().size());

        CapabilityStatement cs = parse(SERVER.get("/metadata"), CapabilityStatement.class);
        Set<String> interactions = cs.getRestFirstRep().getResource().stream()
                .filter(r -> r.getType().equals("Provenance")).findFirst().orElseThrow().getInteraction().stream()
                .map(i -> i.getCode().toCode()).collect(Collectors.toSet());
        assertTrue(interactions.containsAll(Set.of("read", "vread", "search-type")), interactions.toString());
        assertFalse(interactions.contains("create") || interactions.contains("update")
                || interactions.contains("delete"), interactions.toString());
    }

    private static void assertProvenance(String id, long version, String activity, String recorded)
            throws Exception {
        List<Provenance> all = provenancesOf(id);
        Provenance p = all.stream()
                .filter(x -> x.getTargetFirstRep().getReference().equals("Medication/" + id + "/_history/" + version))
                .findFirst().orElseThrow(() -> new AssertionError("no Provenance of version " + version));
        assertEquals(1, p.getTarget().size());
        assertEquals(DATA_OPERATION, p.getActivity().getCodingFirstRep().getSystem());
        assertEquals(activity, p.getActivity().getCodingFirstRep().getCode());
        assertEquals(new InstantType(recorded).getValue(), p.getRecorded(), "recorded = the version's lastUpdated");
        assertEquals(1, p.getAgent().size());
        assertEquals(TestTokens.CLIENT_ID, p.getAgentFirstRep().getWho().getDisplay());
        assertEquals(TestTokens.CLIENT_ID, p.getAgentFirstRep().getWho().getIdentifier().getValue());
        assertEquals(version, all.size(), "one Provenance per version");
    }

    private static List<Provenance> provenancesOf(String medicationId) throws IOException, InterruptedException {
        HttpResponse<String> response = SERVER.get("/Provenance?_count=100&target="
                + encode("Medication/" + medicationId));
        assertEquals(200, response.statusCode(), response.body());
        return parse(response, Bundle.class).getEntry().stream().map(e -> (Provenance) e.getResource()).toList();
    }

    private static int provenanceTotal() throws IOException, InterruptedException {
        return parse(SERVER.get("/Provenance?_summary=count"), Bundle.class).getTotal();
    }

    private static HttpResponse<String> write(HttpRequest.Builder request, String method, IBaseResource body)
            throws IOException, InterruptedException {
        String json = SERVER.clientContext().newJsonParser().encodeResourceToString(body);
        return SERVER.send(request.header("Content-Type", FHIR_JSON).header("Accept", FHIR_JSON)
                .method(method, HttpRequest.BodyPublishers.ofString(json)));
    }

    private static void assertOutcome(HttpResponse<String> response, int status) {
        assertEquals(status, response.statusCode(), response.body());
        parse(response, OperationOutcome.class);
    }

    private static <T extends IBaseResource> T parse(HttpResponse<String> response, Class<T> type) {
        return SERVER.clientContext().newJsonParser().parseResource(type, response.body());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
