package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.formulary.config.Settings;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Test;

/**
 * {@code FORMULARY_BASE_URL} is the public address written into Bundle links, fullUrls and Location headers, so a
 * server behind a proxy hands out addresses its clients can reach.
 */
class BaseUrlTest {

    private static final String PUBLIC_BASE = "https://formulary.example.org/fhir";

    @Test
    void linksFullUrlsAndLocationUseTheConfiguredBaseUrl() throws Exception {
        Map<String, String> env = new HashMap<>(TestTokens.environment());
        env.putAll(Map.of(
                "FORMULARY_PORT", "0",
                "FORMULARY_DB_URL", "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
                "FORMULARY_BASE_URL", PUBLIC_BASE));
        Settings settings = Settings.fromEnvironment(env);
        try (FormularyServer server = FormularyServer.start(settings)) {
            assertEquals(PUBLIC_BASE, server.baseUrl());
            int port = server.port();
            HttpClient http = HttpClient.newHttpClient();
            String local = "http://localhost:" + port + "/fhir";

            HttpResponse<String> search = http.send(HttpRequest.newBuilder(URI.create(local + "/Medication?_count=1"))
                    .header("Accept", TestData.FHIR_JSON).build(), HttpResponse.BodyHandlers.ofString());
            Bundle bundle = TestData.parser().parseResource(Bundle.class, search.body());
            assertTrue(bundle.getLink("self").getUrl().startsWith(PUBLIC_BASE + "/Medication?"), search.body());
            assertTrue(bundle.getLink("next").getUrl().startsWith(PUBLIC_BASE + "/Medication?"), search.body());
            assertTrue(bundle.getEntryFirstRep().getFullUrl().startsWith(PUBLIC_BASE + "/Medication/"), search.body());

            String body = TestData.parser().encodeResourceToString(TestData.medication("base URL check"));
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(local + "/Medication"))
                    .header("Content-Type", TestData.FHIR_JSON)
                    // the tokens' audience is the public base URL the server is configured with
                    .header("Authorization", TestTokens.bearer(PUBLIC_BASE))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, created.statusCode(), created.body());
            String location = created.headers().firstValue("Location").orElse("");
            assertTrue(location.startsWith(PUBLIC_BASE + "/Medication/"), location);
        }
    }
}
