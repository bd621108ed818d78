package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceSearchParamComponent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The CapabilityStatement at {@code /metadata} tells the truth: it lists the served types with their interactions,
 * base profiles and supported profiles, and every search parameter it advertises is accepted by the server.
 * Also checks the CORS preflight that browser-based clients need.
 */
class CapabilityStatementTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    private static final String PROFILE_BASE = "http://example.org/fhir/formulary/StructureDefinition/";
    /** Profiles of the Da Vinci US Drug Formulary IG, authored in conformance/ under the IG's canonical URLs. */
    private static final String DAVINCI_PROFILE_BASE = "http://hl7.org/fhir/us/davinci-drug-formulary/StructureDefinition/";
    private static CapabilityStatement metadata;

    @BeforeAll
    static void fetchMetadata() throws Exception {
        HttpResponse<String> response = SERVER.get("/metadata");
        assertEquals(200, response.statusCode(), response.body());
        metadata = SERVER.clientContext().newJsonParser().parseResource(CapabilityStatement.class, response.body());
    }

    @Test
    void describesAnR4ServerInJsonAndXml() {
        assertEquals("4.0.1", metadata.getFhirVersion().toCode());
        assertEquals(CapabilityStatement.CapabilityStatementKind.INSTANCE, metadata.getKind());
        Set<String> formats = metadata.getFormat().stream().map(f -> f.getValue()).collect(Collectors.toSet());
        assertEquals(Set.of("application/fhir+json", "application/fhir+xml"), formats);
        assertEquals(SERVER.baseUrl(), metadata.getImplementation().getUrl());
        assertTrue(metadata.getRestFirstRep().getInteraction().stream()
                .anyMatch(i -> i.getCode() == CapabilityStatement.SystemRestfulInteraction.HISTORYSYSTEM));
    }

    @Test
    void listsEveryInteractionOfTheProfiledTypes() {
        for (String type : List.of("Medication", "MedicationKnowledge")) {
            Set<String> interactions = resource(type).getInteraction().stream()
                    .map(i -> i.getCode().toCode()).collect(Collectors.toSet());
            assertEquals(Set.of("read", "vread", "create", "update", "delete", "history-instance", "history-type",
                    "search-type"), interactions, type);
        }
    }

    @Test
    void namesTheBaseProfileAndTheSupportedProfileOfEachType() {
        assertEquals(PROFILE_BASE + "formulary-medication", resource("Medication").getProfile());
        assertTrue(resource("Medication").getSupportedProfile().stream()
                .anyMatch(p -> p.getValue().equals(PROFILE_BASE + "formulary-medication")));
        assertEquals(PROFILE_BASE + "formulary-medicationknowledge", resource("MedicationKnowledge").getProfile());
        assertTrue(resource("MedicationKnowledge").getSupportedProfile().stream()
                .anyMatch(p -> p.getValue().equals(PROFILE_BASE + "formulary-medicationknowledge")));
    }

    @Test
    void everyServedTypeWithABaseProfileListsItAsSupported() {
        long profiled = 0;
        for (CapabilityStatementRestResourceComponent resource : metadata.getRestFirstRep().getResource()) {
            if (resource.hasProfile() && (resource.getProfile().startsWith(PROFILE_BASE)
                    || resource.getProfile().startsWith(DAVINCI_PROFILE_BASE))) {
                profiled++;
                assertTrue(resource.getSupportedProfile().stream()
                        .anyMatch(p -> p.getValue().equals(resource.getProfile())), resource.getType());
            }
        }
        assertTrue(profiled >= 9, "every content type has its profile: " + profiled);
    }

    @Test
    void advertisesTheBaseSearchParametersTheIssueAsksFor() {
        assertTrue(searchParamNames("Medication").containsAll(
                Set.of("_id", "_lastUpdated", "code", "form", "ingredient", "ingredient-code", "status")));
        assertTrue(searchParamNames("MedicationKnowledge").containsAll(Set.of("_id", "_lastUpdated", "code",
                "doseform", "classification", "classification-type", "ingredient", "ingredient-code", "status")));
    }

    @Test
    void everyAdvertisedIncludeAndRevincludeIsAccepted() throws Exception {
        int checked = 0;
        for (CapabilityStatementRestResourceComponent resource : metadata.getRestFirstRep().getResource()) {
            List<String> queries = new java.util.ArrayList<>();
            resource.getSearchInclude().forEach(i -> queries.add("_include=" + i.getValue()));
            resource.getSearchRevInclude().forEach(i -> queries.add("_revinclude=" + i.getValue()));
            for (String query : queries) {
                HttpResponse<String> response = SERVER.send(SERVER.request("/" + resource.getType() + "?"
                                + query.replace("*", "%2A") + "&_count=2")
                        .header("Accept", "application/fhir+json").header("Prefer", "handling=strict").GET());
                assertEquals(200, response.statusCode(), resource.getType() + "?" + query + " -> " + response.body());
                checked++;
            }
        }
        assertTrue(checked > 0, "includes are advertised");
    }

    @Test
    void typesWithoutSearchAdvertiseNoSearchParameters() {
        for (CapabilityStatementRestResourceComponent resource : metadata.getRestFirstRep().getResource()) {
            boolean searchable = resource.getInteraction().stream()
                    .anyMatch(i -> i.getCode() == CapabilityStatement.TypeRestfulInteraction.SEARCHTYPE);
            if (!searchable) {
                assertFalse(resource.hasSearchParam(), resource.getType() + " has no search but lists parameters");
            }
        }
    }

    @Test
    void everyAdvertisedSearchParameterIsAcceptedEvenUnderStrictHandling() throws Exception {
        for (CapabilityStatementRestResourceComponent resource : metadata.getRestFirstRep().getResource()) {
            for (CapabilityStatementRestResourceSearchParamComponent param : resource.getSearchParam()) {
                String query = param.getName() + ":missing=false";
                if (param.getName().equals("_id")) {
                    query = "_id=baclofen-10mg-tablet";
                } else if (param.getName().equals("_lastUpdated")) {
                    query = "_lastUpdated=gt2000-01-01";
                }
                HttpResponse<String> response = SERVER.send(SERVER.request("/" + resource.getType() + "?"
                                + URLEncoder.encode(query, StandardCharsets.UTF_8).replace("%3D", "="))
                        .header("Accept", "application/fhir+json")
                        .header("Prefer", "handling=strict")
                        .GET());
                assertEquals(200, response.statusCode(), resource.getType() + "?" + query + " -> " + response.body());
            }
        }
    }

    @Test
    void answersTheCorsPreflightOfABrowserClient() throws Exception {
        HttpResponse<String> response = SERVER.send(SERVER.request("/Medication")
                .header("Origin", "https://formulary-viewer.example")
                .header("Access-Control-Request-Method", "GET")
                .method("OPTIONS", java.net.http.HttpRequest.BodyPublishers.noBody()));
        assertEquals(200, response.statusCode(), response.body());
        String allowed = response.headers().firstValue("Access-Control-Allow-Origin").orElse(null);
        assertNotNull(allowed, "Access-Control-Allow-Origin");
        assertTrue(allowed.equals("*") || allowed.equals("https://formulary-viewer.example"), allowed);
        HttpResponse<String> read = SERVER.send(SERVER.request("/Medication/baclofen-10mg-tablet")
                .header("Origin", "https://formulary-viewer.example").GET());
        assertTrue(read.headers().firstValue("Access-Control-Expose-Headers").orElse("").contains("ETag"),
                read.headers().map().toString());
    }

    private static CapabilityStatementRestResourceComponent resource(String type) {
        return metadata.getRestFirstRep().getResource().stream()
                .filter(r -> r.getType().equals(type)).findFirst()
                .orElseThrow(() -> new AssertionError(type + " is not in the CapabilityStatement"));
    }

    private static Set<String> searchParamNames(String type) {
        return resource(type).getSearchParam().stream().map(p -> p.getName()).collect(Collectors.toSet());
    }
}
