package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The health endpoints of a started server, outside the FHIR base: live and ready answer 200 with
 * {@code {"status":"UP"}}; anything else under {@code /health} is a 404 OperationOutcome. (Not ready during startup
 * and shutdown: {@link GracefulShutdownTest} and {@link CrashRecoveryTest}, which watch a server in its own JVM.)
 */
class HealthEndpointsTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    @Test
    void liveAndReadyAnswerUpOnceStarted() throws Exception {
        for (String path : new String[] {"/health/live", "/health/ready"}) {
            HttpResponse<String> response = SERVER.send(SERVER.rootRequest(path).GET());
            assertEquals(200, response.statusCode(), path + ": " + response.body());
            assertEquals("{\"status\":\"UP\"}", response.body(), path);
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), path);
            assertEquals("no-store", response.headers().firstValue("Cache-Control").orElse(null), path);
        }
    }

    @Test
    void healthIsNotUnderTheFhirBase() throws Exception {
        HttpResponse<String> response = SERVER.get("/health/ready");
        assertEquals(404, response.statusCode(), response.body());
    }

    @Test
    void otherHealthPathsAreNotFound() throws Exception {
        HttpResponse<String> response = SERVER.send(SERVER.rootRequest("/health/deep").GET());
        assertEquals(404, response.statusCode(), response.body());
        OperationOutcome oo = SERVER.clientContext().newJsonParser().parseResource(OperationOutcome.class,
                response.body());
        assertTrue(oo.getIssueFirstRep().getDiagnostics().contains("/health/live"), response.body());
    }
}
