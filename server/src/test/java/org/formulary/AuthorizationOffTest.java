package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code FORMULARY_AUTH=off} (local development): writes need no token, and the server says so. */
class AuthorizationOffTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension(Map.of("FORMULARY_AUTH", "off"));

    @Test
    void writesNeedNoToken() throws Exception {
        HttpResponse<String> created = SERVER.send(SERVER.anonymousRequest("/Medication")
                .header("Content-Type", TestData.FHIR_JSON)
                .POST(HttpRequest.BodyPublishers.ofString(TestData.parser().encodeResourceToString(
                        TestData.medication("written without a token")))));
        assertEquals(201, created.statusCode(), created.body());
        HttpResponse<String> deleted = SERVER.send(SERVER.anonymousRequest("/Medication/baclofen-20mg-tablet").DELETE());
        assertEquals(200, deleted.statusCode(), deleted.body());
    }

    @Test
    void metadataSaysAuthorizationIsOff() throws Exception {
        CapabilityStatement cs = TestData.parser().parseResource(CapabilityStatement.class,
                SERVER.get("/metadata").body());
        assertTrue(cs.getDescription().contains("AUTHORIZATION IS OFF"), cs.getDescription());
        CapabilityStatement.CapabilityStatementRestSecurityComponent security = cs.getRestFirstRep().getSecurity();
        assertTrue(security.getDescription().contains("AUTHORIZATION IS OFF"), security.getDescription());
        assertFalse(security.hasService(), "no SMART-on-FHIR when no token is asked for");
    }

    @Test
    void thereIsNoSmartConfiguration() throws Exception {
        HttpResponse<String> response = SERVER.send(SERVER.anonymousRequest("/.well-known/smart-configuration"));
        assertEquals(404, response.statusCode(), response.body());
        OperationOutcome oo = TestData.parser().parseResource(OperationOutcome.class, response.body());
        assertTrue(oo.getIssueFirstRep().getDiagnostics().contains("FORMULARY_AUTH=off"), response.body());
    }
}
