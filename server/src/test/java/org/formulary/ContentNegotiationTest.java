package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** JSON and XML, {@code _format} over {@code Accept}, {@code _pretty}, and the CORS a browser client needs. */
class ContentNegotiationTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    private static final String PATH = "/Medication/baclofen-10mg-tablet";

    @Test
    void formatParameterOverridesTheAcceptHeader() throws Exception {
        HttpResponse<String> xml = SERVER.send(SERVER.request(PATH + "?_format=xml")
                .header("Accept", "application/fhir+json").GET());
        assertTrue(xml.headers().firstValue("Content-Type").orElse("").contains("fhir+xml"));
        assertTrue(xml.body().startsWith("<Medication"), xml.body());
        HttpResponse<String> json = SERVER.send(SERVER.request(PATH + "?_format=json")
                .header("Accept", "application/fhir+xml").GET());
        assertTrue(json.body().startsWith("{"), json.body());
    }

    @Test
    void plainJsonAndXmlMediaTypesAreAccepted() throws Exception {
        for (String accept : new String[] {"application/json", "application/fhir+json", "application/xml"}) {
            HttpResponse<String> response = SERVER.send(SERVER.request(PATH).header("Accept", accept).GET());
            assertEquals(200, response.statusCode(), accept);
            assertTrue(response.body().startsWith(accept.endsWith("xml") ? "<" : "{"), accept);
        }
    }

    @Test
    void prettyPrintsOnRequest() throws Exception {
        String compact = SERVER.get(PATH).body();
        String pretty = SERVER.get(PATH + "?_pretty=true").body();
        assertTrue(!compact.contains("\n") && pretty.contains("\n  "), pretty.substring(0, 80));
    }

    @Test
    void corsPreflightAllowsAuthorizationAndExposesTheSyncHeaders() throws Exception {
        HttpResponse<String> preflight = SERVER.send(SERVER.request("/Medication")
                .header("Origin", "https://pharmacy.example")
                .header("Access-Control-Request-Method", "PUT")
                .header("Access-Control-Request-Headers", "authorization, content-type, if-match")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
        assertEquals(200, preflight.statusCode(), preflight.body());
        String allowed = preflight.headers().firstValue("Access-Control-Allow-Headers").orElse("").toLowerCase();
        assertTrue(allowed.contains("authorization") && allowed.contains("if-match"), allowed);
        String exposed = SERVER.send(SERVER.request(PATH).header("Origin", "https://pharmacy.example").GET())
                .headers().firstValue("Access-Control-Expose-Headers").orElse("");
        for (String header : new String[] {"ETag", "Location", "Content-Location", "Last-Modified"}) {
            assertTrue(exposed.contains(header), exposed);
        }
    }
}
