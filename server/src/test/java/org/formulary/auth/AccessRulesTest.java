package org.formulary.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

/**
 * What each kind of request needs, for the requests the HTTP tests cannot reach yet (transactions, whose endpoint
 * another change adds) or only through many server configurations (Bulk Data export, public and private).
 */
class AccessRulesTest {

    private static final String BASE = "https://formulary.example/fhir";
    private static final List<Permission> WRITE_EVERYTHING = List.of(
            new Permission("*", Interaction.CREATE), new Permission("*", Interaction.UPDATE),
            new Permission("*", Interaction.DELETE));

    private final AccessRules publicExport = new AccessRules(false);
    private final AccessRules privateExport = new AccessRules(true);

    @Test
    void readsAndPublicOperationsArePublic() {
        for (RestOperationTypeEnum read : List.of(RestOperationTypeEnum.READ, RestOperationTypeEnum.SEARCH_TYPE,
                RestOperationTypeEnum.HISTORY_SYSTEM, RestOperationTypeEnum.METADATA, RestOperationTypeEnum.GET_PAGE)) {
            assertEquals(RequiredAccess.PUBLIC, privateExport.of(request("Medication", null), read), read.name());
        }
        for (String operation : List.of("$validate", "$compare", "$apply")) {
            assertEquals(RequiredAccess.PUBLIC, privateExport.of(request("MedicationKnowledge", operation),
                    RestOperationTypeEnum.EXTENDED_OPERATION_TYPE), operation);
        }
    }

    @Test
    void writesNeedTheirLetterOnTheirType() {
        assertEquals(needs(new Permission("Medication", Interaction.CREATE)),
                publicExport.of(request("Medication", null), RestOperationTypeEnum.CREATE));
        assertEquals(needs(new Permission("Basic", Interaction.UPDATE)),
                publicExport.of(request("Basic", null), RestOperationTypeEnum.PATCH));
        assertEquals(needs(new Permission("Basic", Interaction.DELETE)),
                publicExport.of(request("Basic", null), RestOperationTypeEnum.DELETE));
        assertEquals(RequiredAccess.token(WRITE_EVERYTHING),
                publicExport.of(request(null, "$reindex"), RestOperationTypeEnum.EXTENDED_OPERATION_SERVER),
                "an operation this server does not know is a write");
    }

    @Test
    void aTransactionNeedsEachEntrysPermission() {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        entry(bundle, HTTPVerb.POST, "Medication");
        entry(bundle, HTTPVerb.PUT, "MedicationKnowledge/mk-1");
        entry(bundle, HTTPVerb.DELETE, BASE + "/Basic?identifier=x");
        entry(bundle, HTTPVerb.PATCH, "Medication/m-2");
        entry(bundle, HTTPVerb.GET, "InsurancePlan?type=DRUGPOL");
        entry(bundle, HTTPVerb.POST, "Medication");
        RequestDetails request = request(null, null);
        request.setResource(bundle);
        assertEquals(RequiredAccess.token(List.of(
                        new Permission("Medication", Interaction.CREATE),
                        new Permission("MedicationKnowledge", Interaction.UPDATE),
                        new Permission("Basic", Interaction.DELETE),
                        new Permission("Medication", Interaction.UPDATE))),
                publicExport.of(request, RestOperationTypeEnum.TRANSACTION));
    }

    @Test
    void aTransactionEntryWithoutATypeOrMethodNeedsWritesOnEverything() {
        for (String url : List.of("https://elsewhere.example/fhir/Medication/1", "", "$process", "medication/1")) {
            Bundle bundle = new Bundle().setType(Bundle.BundleType.BATCH);
            entry(bundle, HTTPVerb.POST, url);
            RequestDetails request = request(null, null);
            request.setResource(bundle);
            assertEquals(RequiredAccess.token(WRITE_EVERYTHING),
                    publicExport.of(request, RestOperationTypeEnum.TRANSACTION), url);
        }
        Bundle noMethod = new Bundle().setType(Bundle.BundleType.BATCH);
        noMethod.addEntry().setResource(new Medication()).getRequest().setUrl("Medication");
        RequestDetails request = request(null, null);
        request.setResource(noMethod);
        assertEquals(RequiredAccess.token(WRITE_EVERYTHING), publicExport.of(request,
                RestOperationTypeEnum.TRANSACTION));
        assertEquals(RequiredAccess.token(WRITE_EVERYTHING), publicExport.of(request(null, null),
                RestOperationTypeEnum.TRANSACTION), "no bundle parsed: writes on every type");
    }

    @Test
    void exportIsPublicUnlessPrivate() {
        for (String operation : List.of("$export", "$export-poll-status", "$export-download")) {
            assertEquals(RequiredAccess.PUBLIC, publicExport.of(request(null, operation),
                    RestOperationTypeEnum.EXTENDED_OPERATION_SERVER), operation);
        }
        assertEquals(RequiredAccess.token(List.of(new Permission("*", Interaction.READ),
                        new Permission("*", Interaction.SEARCH))),
                privateExport.of(request(null, "$export"), RestOperationTypeEnum.EXTENDED_OPERATION_SERVER));
        assertEquals(RequiredAccess.token(List.of()), privateExport.of(request(null, "$export-poll-status"),
                RestOperationTypeEnum.EXTENDED_OPERATION_SERVER), "any valid token");
    }

    @Test
    void privateExportNeedsReadOnTheExportedTypes() {
        RequestDetails query = request(null, "$export");
        query.setParameters(new HashMap<>(Map.of("_type", new String[] {"Medication,Basic"})));
        assertEquals(readAndSearch("Medication", "Basic"),
                privateExport.of(query, RestOperationTypeEnum.EXTENDED_OPERATION_SERVER));

        RequestDetails body = request(null, "$export");
        body.setResource(new Parameters().addParameter("_type", new StringType("InsurancePlan")));
        assertEquals(readAndSearch("InsurancePlan"),
                privateExport.of(body, RestOperationTypeEnum.EXTENDED_OPERATION_SERVER));

        assertEquals(readAndSearch("Medication"), privateExport.of(request("Medication", "$export"),
                RestOperationTypeEnum.EXTENDED_OPERATION_TYPE), "type level");

        RequestDetails download = request(null, "$export-download");
        download.setParameters(new HashMap<>(Map.of("_file", new String[] {"Medication.deleted.ndjson"})));
        assertEquals(needs(new Permission("Medication", Interaction.READ)),
                privateExport.of(download, RestOperationTypeEnum.EXTENDED_OPERATION_SERVER));
    }

    private static RequestDetails request(String type, String operation) {
        SystemRequestDetails request = new SystemRequestDetails();
        request.setResourceName(type);
        request.setOperation(operation);
        request.setFhirServerBase(BASE);
        return request;
    }

    private static void entry(Bundle bundle, HTTPVerb method, String url) {
        bundle.addEntry().getRequest().setMethod(method).setUrl(url);
    }

    private static RequiredAccess needs(Permission permission) {
        return RequiredAccess.token(List.of(permission));
    }

    private static RequiredAccess readAndSearch(String... types) {
        List<Permission> needed = new ArrayList<>();
        for (String type : types) {
            needed.add(new Permission(type, Interaction.READ));
            needed.add(new Permission(type, Interaction.SEARCH));
        }
        return RequiredAccess.token(needed);
    }
}
