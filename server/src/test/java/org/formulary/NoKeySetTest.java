package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Authorization on (the default) without a key set, as in the README's quick start: the server starts and serves
 * reads, and refuses every write with 401 and an OperationOutcome saying that no key set is configured.
 */
class NoKeySetTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension(
            Map.of("FORMULARY_AUTH_JWKS", "", "FORMULARY_AUTH_ISSUER", ""));

    @Test
    void readsArePublic() throws Exception {
        HttpResponse<String> read = SERVER.send(SERVER.anonymousRequest("/Medication/baclofen-10mg-tablet"));
        assertEquals(200, read.statusCode(), read.body());
    }

    @Test
    void everyWriteIsRefusedSayingNoKeySetIsConfigured() throws Exception {
        String body = TestData.parser().encodeResourceToString(TestData.medication("no key set"));
        for (HttpRequest.Builder request : new HttpRequest.Builder[] {
                SERVER.request("/Medication"), SERVER.anonymousRequest("/Medication")}) {
            HttpResponse<String> response = SERVER.send(request.header("Content-Type", TestData.FHIR_JSON)
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
            assertEquals(401, response.statusCode(), response.body());
            assertTrue(response.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
            OperationOutcome oo = TestData.parser().parseResource(OperationOutcome.class, response.body());
            assertEquals(OperationOutcome.IssueType.LOGIN, oo.getIssueFirstRep().getCode());
            assertTrue(oo.getIssueFirstRep().getDiagnostics().contains("no key set is configured (FORMULARY_AUTH_JWKS)"),
                    response.body());
        }
    }

    @Test
    void metadataSaysWritesAreRefused() throws Exception {
        CapabilityStatement cs = TestData.parser().parseResource(CapabilityStatement.class,
                SERVER.get("/metadata").body());
        String description = cs.getRestFirstRep().getSecurity().getDescription();
        assertTrue(description.contains("No key set is configured yet, so every write is refused"), description);
    }
}
