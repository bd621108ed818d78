package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Medication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A server whose key set is a URL (served here by the JDK's HTTP server), with a configured audience and token
 * endpoint, and Bulk Data export private ({@code FORMULARY_EXPORT_AUTH=private}).
 */
class RemoteKeySetTest {

    private static final String AUDIENCE = "https://formulary.example/fhir";
    private static final String TOKEN_ENDPOINT = "https://issuer.formulary.test/token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger KEY_SET_FETCHES = new AtomicInteger();
    private static final HttpServer KEY_SET_SERVER = serveKeySet();
    private static final String KEY_SET_URL =
            "http://localhost:" + KEY_SET_SERVER.getAddress().getPort() + "/jwks.json";

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension(Map.of(
            "FORMULARY_AUTH_JWKS", KEY_SET_URL,
            "FORMULARY_AUTH_AUDIENCE", AUDIENCE,
            "FORMULARY_AUTH_TOKEN_ENDPOINT", TOKEN_ENDPOINT,
            "FORMULARY_EXPORT_AUTH", "private"));

    @AfterAll
    static void stopKeySetServer() {
        KEY_SET_SERVER.stop(0);
    }

    @Test
    void tokensAreVerifiedWithTheKeySetAtTheUrlFetchedOnce() throws Exception {
        for (int i = 0; i < 3; i++) {
            Medication medication = TestData.medication("remote key set " + i);
            medication.setId("remote-key-set-" + i);
            HttpResponse<String> response = SERVER.send(SERVER.request("/Medication/" + medication.getIdPart())
                    .header("Content-Type", TestData.FHIR_JSON)
                    .PUT(HttpRequest.BodyPublishers.ofString(
                            TestData.parser().encodeResourceToString(medication))));
            assertEquals(201, response.statusCode(), response.body());
        }
        assertEquals(1, KEY_SET_FETCHES.get(), "the key set is cached");
        String forTheBaseUrl = TestTokens.token(SERVER.baseUrl(), TestTokens.ALL_SCOPES);
        HttpResponse<String> wrongAudience = SERVER.send(SERVER.request("/Medication/baclofen-10mg-tablet")
                .setHeader("Authorization", "Bearer " + forTheBaseUrl).DELETE());
        assertEquals(401, wrongAudience.statusCode(), "the configured audience replaces the base URL");
    }

    @Test
    void smartConfigurationAndMetadataNameTheEndpoints() throws Exception {
        HttpResponse<String> response = SERVER.send(SERVER.anonymousRequest("/.well-known/smart-configuration"));
        assertEquals(200, response.statusCode(), response.body());
        JsonNode doc = JSON.readTree(response.body());
        assertEquals(TestTokens.ISSUER, doc.get("issuer").asText());
        assertEquals(KEY_SET_URL, doc.get("jwks_uri").asText());
        assertEquals(TOKEN_ENDPOINT, doc.get("token_endpoint").asText());

        CapabilityStatement cs = TestData.parser().parseResource(CapabilityStatement.class,
                SERVER.get("/metadata").body());
        Extension oauth = cs.getRestFirstRep().getSecurity().getExtensionByUrl(
                "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris");
        assertEquals(TOKEN_ENDPOINT, oauth.getExtensionByUrl("token").getValue().primitiveValue());
        assertTrue(cs.getRestFirstRep().getSecurity().getDescription().contains("$export needs a token"));
    }

    @Test
    void privateExportNeedsReadScopes() throws Exception {
        HttpResponse<String> anonymous = SERVER.send(SERVER.anonymousRequest("/$export?_type=Medication")
                .header("Prefer", "respond-async"));
        assertEquals(401, anonymous.statusCode(), anonymous.body());

        HttpResponse<String> writer = SERVER.send(SERVER.request("/$export?_type=Medication")
                .setHeader("Authorization", "Bearer " + SERVER.token("system/*.cud")).header("Prefer", "respond-async"));
        assertEquals(403, writer.statusCode(), writer.body());
        HttpResponse<String> otherType = SERVER.send(SERVER.request("/$export?_type=Medication,Basic")
                .setHeader("Authorization", "Bearer " + SERVER.token("system/Medication.rs"))
                .header("Prefer", "respond-async"));
        assertEquals(403, otherType.statusCode(), otherType.body());

        HttpResponse<String> kickOff = SERVER.send(SERVER.request("/$export?_type=Medication")
                .setHeader("Authorization", "Bearer " + SERVER.token("system/Medication.rs"))
                .header("Prefer", "respond-async"));
        assertEquals(202, kickOff.statusCode(), kickOff.body());
        String status = kickOff.headers().firstValue("Content-Location").orElseThrow();
        String statusPath = status.substring(SERVER.baseUrl().length());
        assertEquals(401, SERVER.send(SERVER.anonymousRequest(statusPath)).statusCode());

        JsonNode manifest = awaitManifest(statusPath);
        assertTrue(manifest.get("requiresAccessToken").asBoolean(), manifest.toString());
        String file = manifest.get("output").get(0).get("url").asText().substring(SERVER.baseUrl().length());
        assertEquals(401, SERVER.send(SERVER.anonymousRequest(file)).statusCode());
        HttpResponse<String> download = SERVER.send(SERVER.request(file)
                .setHeader("Authorization", "Bearer " + SERVER.token("system/Medication.read")));
        assertEquals(200, download.statusCode(), download.body());
        assertTrue(download.body().contains("\"resourceType\":\"Medication\""));
    }

    private static JsonNode awaitManifest(String statusPath) throws Exception {
        for (int i = 0; i < 600; i++) {
            HttpResponse<String> poll = SERVER.send(SERVER.request(statusPath));
            if (poll.statusCode() == 200) {
                return JSON.readTree(poll.body());
            }
            assertEquals(202, poll.statusCode(), poll.body());
            Thread.sleep(100);
        }
        throw new AssertionError("no manifest at " + statusPath);
    }

    private static HttpServer serveKeySet() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
            byte[] body = new JWKSet(TestTokens.key().toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
            server.createContext("/jwks.json", exchange -> {
                KEY_SET_FETCHES.incrementAndGet();
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
