package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Writes need a valid bearer token with the right SMART scopes; reads, search, {@code /metadata} and
 * {@code $validate} stay public. Real tokens, signed with real keys (the server trusts an RSA and an EC key from a
 * key set file), sent to the real server.
 */
class AuthorizationTest {

    private static final ECKey EC_KEY = ecKey();
    private static final Path JWKS = keySetFile(TestTokens.key(), EC_KEY);

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension(
            Map.of("FORMULARY_AUTH_JWKS", JWKS.toString()));

    private static final String FHIR_JSON = TestData.FHIR_JSON;
    private static final String CHALLENGE = "Bearer realm=\"formulary\"";

    // ------------------------------------------------------------------------------------------- no or bad token

    @Test
    void writeWithoutTokenIs401WithChallengeAndOperationOutcomeAndStoresNothing() throws Exception {
        String id = unique("no-token");
        HttpResponse<String> response = SERVER.send(put(SERVER.anonymousRequest("/Medication/" + id), id));
        assertEquals(CHALLENGE, challenge(response));
        OperationOutcome oo = assertOutcome(response, 401, IssueType.LOGIN);
        assertTrue(oo.getIssueFirstRep().getDiagnostics().contains("bearer token"), oo.getIssueFirstRep().getDiagnostics());
        assertEquals(404, SERVER.get("/Medication/" + id).statusCode(), "nothing stored");

        HttpResponse<String> create = SERVER.send(SERVER.anonymousRequest("/Medication")
                .header("Content-Type", FHIR_JSON).POST(body(TestData.medication("no token"))));
        assertOutcome(create, 401, IssueType.LOGIN);
        HttpResponse<String> delete = SERVER.send(SERVER.anonymousRequest("/Medication/baclofen-10mg-tablet").DELETE());
        assertOutcome(delete, 401, IssueType.LOGIN);
        assertEquals(200, SERVER.get("/Medication/baclofen-10mg-tablet").statusCode(), "not deleted");
    }

    @Test
    void malformedAuthorizationHeadersAre401() throws Exception {
        HttpResponse<String> basic = write("Basic dXNlcjpwYXNzd29yZA==");
        assertEquals(CHALLENGE, challenge(basic));
        assertTrue(diagnostics(assertOutcome(basic, 401, IssueType.LOGIN)).contains("'Basic' is not supported"));

        HttpResponse<String> empty = write("Bearer");
        assertTrue(challenge(empty).contains("error=\"invalid_token\""), challenge(empty));
        assertTrue(diagnostics(assertOutcome(empty, 401, IssueType.LOGIN)).contains("no token after Bearer"));

        assertInvalidToken(write("Bearer not-a-jwt"), "malformed token");
    }

    @Test
    void expiredAndNotYetValidTokensAre401() throws Exception {
        Instant now = Instant.now();
        String expired = SERVER.sign(SERVER.claims("system/*.cud")
                .issueTime(Date.from(now.minusSeconds(3600)))
                .expirationTime(Date.from(now.minusSeconds(300))).build());
        assertInvalidToken(write("Bearer " + expired), "Expired JWT");

        String notYetValid = SERVER.sign(SERVER.claims("system/*.cud")
                .notBeforeTime(Date.from(now.plusSeconds(600))).build());
        assertInvalidToken(write("Bearer " + notYetValid), "before use time");

        String withoutExpiry = SERVER.sign(SERVER.claims("system/*.cud").expirationTime(null).build());
        assertInvalidToken(write("Bearer " + withoutExpiry), "exp");
    }

    @Test
    void tokensOfAnotherIssuerOrAudienceAre401() throws Exception {
        String otherIssuer = SERVER.sign(SERVER.claims("system/*.cud").issuer("https://evil.example").build());
        assertInvalidToken(write("Bearer " + otherIssuer), "iss");

        String otherAudience = SERVER.sign(SERVER.claims("system/*.cud").audience("https://other.example/fhir").build());
        assertInvalidToken(write("Bearer " + otherAudience), "audience");
    }

    @Test
    void tokensSignedWithAnUntrustedKeyOrAlgorithmAre401() throws Exception {
        JWTClaimsSet claims = SERVER.claims("system/*.cud").build();
        RSAKey stranger = new RSAKeyGenerator(2048).keyID(TestTokens.key().getKeyID()).generate();
        String wrongKey = TestTokens.sign(claims, rsaHeader(), new RSASSASigner(stranger));
        assertInvalidToken(write("Bearer " + wrongKey), "signature");

        assertInvalidToken(write("Bearer " + new PlainJWT(claims).serialize()), "Unsecured");

        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String hmac = TestTokens.sign(claims, new JWSHeader.Builder(JWSAlgorithm.HS256).build(), new MACSigner(secret));
        assertInvalidToken(write("Bearer " + hmac), "algorithm");
    }

    // ------------------------------------------------------------------------------------------------ scopes

    @Test
    void aTokenWithoutWriteScopesIs403() throws Exception {
        String id = unique("read-only");
        HttpResponse<String> response = SERVER.send(put(SERVER.request("/Medication/" + id), id)
                .setHeader("Authorization", "Bearer " + SERVER.token("system/*.rs", "system/*.read")));
        OperationOutcome oo = assertOutcome(response, 403, IssueType.FORBIDDEN);
        assertTrue(diagnostics(oo).contains("system/Medication.u"), diagnostics(oo));
        assertTrue(challenge(response).contains("error=\"insufficient_scope\""), challenge(response));
        assertTrue(challenge(response).contains("scope=\"system/Medication.u\""), challenge(response));
        assertEquals(404, SERVER.get("/Medication/" + id).statusCode(), "nothing stored");
    }

    @Test
    void aTypeScopeAllowsOnlyItsInteractionsOnItsType() throws Exception {
        String token = "Bearer " + SERVER.token("system/MedicationKnowledge.u");
        HttpResponse<String> read = SERVER.get("/MedicationKnowledge/baclofen-10mg-tablet");
        assertEquals(200, read.statusCode(), read.body());
        MedicationKnowledge knowledge = TestData.parser().parseResource(MedicationKnowledge.class, read.body());

        HttpResponse<String> update = SERVER.send(SERVER.request("/MedicationKnowledge/baclofen-10mg-tablet")
                .setHeader("Authorization", token).header("Content-Type", FHIR_JSON).PUT(body(knowledge)));
        assertEquals(200, update.statusCode(), update.body());

        knowledge.setId((String) null);
        HttpResponse<String> create = SERVER.send(SERVER.request("/MedicationKnowledge")
                .setHeader("Authorization", token).header("Content-Type", FHIR_JSON).POST(body(knowledge)));
        assertTrue(diagnostics(assertOutcome(create, 403, IssueType.FORBIDDEN)).contains("system/MedicationKnowledge.c"));

        Medication medication = TestData.contentMedication("baclofen-5mg-tablet");
        HttpResponse<String> other = SERVER.send(SERVER.request("/Medication/baclofen-5mg-tablet")
                .setHeader("Authorization", token).header("Content-Type", FHIR_JSON).PUT(body(medication)));
        assertTrue(diagnostics(assertOutcome(other, 403, IssueType.FORBIDDEN)).contains("system/Medication.u"));
    }

    @Test
    void v1WriteScopesAreAccepted() throws Exception {
        HttpResponse<String> created = SERVER.send(SERVER.request("/Medication")
                .setHeader("Authorization", "Bearer " + SERVER.token("system/*.write"))
                .header("Content-Type", FHIR_JSON).POST(body(TestData.medication("v1 scope"))));
        assertEquals(201, created.statusCode(), created.body());
        String location = created.headers().firstValue("Location").orElseThrow();
        String id = location.substring(location.indexOf("/Medication/") + "/Medication/".length()).split("/")[0];

        HttpResponse<String> deleted = SERVER.send(SERVER.request("/Medication/" + id)
                .setHeader("Authorization", "Bearer " + SERVER.token("system/Medication.write")).DELETE());
        assertEquals(200, deleted.statusCode(), deleted.body());
    }

    @Test
    void es256TokensAreAccepted() throws Exception {
        String id = unique("es256");
        String token = TestTokens.sign(SERVER.claims("system/*.cud").build(),
                new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(EC_KEY.getKeyID()).build(), new ECDSASigner(EC_KEY));
        HttpResponse<String> response = SERVER.send(put(SERVER.request("/Medication/" + id), id)
                .setHeader("Authorization", "Bearer " + token));
        assertEquals(201, response.statusCode(), response.body());
    }

    // ------------------------------------------------------------------------------------------------ public

    @Test
    void readsSearchMetadataAndValidateArePublic() throws Exception {
        for (String path : List.of("/Medication/baclofen-10mg-tablet", "/Medication?code=197391", "/metadata",
                "/Medication/baclofen-10mg-tablet/_history", "/MedicationKnowledge/$compare?code=1292&code=57258")) {
            HttpResponse<String> response = SERVER.send(SERVER.anonymousRequest(path).header("Accept", FHIR_JSON));
            assertEquals(200, response.statusCode(), path + ": " + response.body());
        }
        HttpResponse<String> validate = SERVER.send(SERVER.anonymousRequest("/Medication/$validate")
                .header("Content-Type", FHIR_JSON).POST(body(TestData.medication("validated anonymously"))));
        assertEquals(200, validate.statusCode(), validate.body());
        HttpResponse<String> search = SERVER.send(SERVER.anonymousRequest("/Medication/_search")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("code=197391")));
        assertEquals(200, search.statusCode(), search.body());
    }

    @Test
    void errorsFollowTheNegotiatedFormatAndCorsExposesTheChallenge() throws Exception {
        HttpResponse<String> xml = SERVER.send(SERVER.anonymousRequest("/Medication/baclofen-10mg-tablet")
                .header("Accept", TestData.FHIR_XML).header("Origin", "https://pharmacy.example").DELETE());
        assertEquals(401, xml.statusCode(), xml.body());
        assertTrue(xml.body().startsWith("<OperationOutcome"), xml.body());
        String exposed = xml.headers().firstValue("Access-Control-Expose-Headers").orElse("");
        assertTrue(exposed.contains("WWW-Authenticate"), exposed);
    }

    @Test
    void metadataDescribesTheSecurity() throws Exception {
        HttpResponse<String> response = SERVER.get("/metadata");
        CapabilityStatement cs = TestData.parser().parseResource(CapabilityStatement.class, response.body());
        CapabilityStatement.CapabilityStatementRestSecurityComponent security = cs.getRestFirstRep().getSecurity();
        assertTrue(security.getCors());
        assertEquals("SMART-on-FHIR", security.getServiceFirstRep().getCodingFirstRep().getCode());
        assertEquals("http://terminology.hl7.org/CodeSystem/restful-security-service",
                security.getServiceFirstRep().getCodingFirstRep().getSystem());
        assertTrue(security.getDescription().contains("bearer token"), security.getDescription());
        assertFalse(security.hasExtension(), "no token endpoint configured, so no oauth-uris");
        assertFalse(cs.hasDescription(), "nothing to warn about");
    }

    @Test
    void smartConfigurationDescribesTheTokens() throws Exception {
        HttpResponse<String> response = SERVER.send(SERVER.anonymousRequest("/.well-known/smart-configuration")
                .header("Origin", "https://pharmacy.example"));
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        assertEquals("*", response.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        JsonNode doc = new ObjectMapper().readTree(response.body());
        assertEquals(TestTokens.ISSUER, doc.get("issuer").asText());
        assertFalse(doc.has("jwks_uri"), "the key set is a file");
        assertFalse(doc.has("token_endpoint"), "none configured");
        assertEquals("[\"client_credentials\"]", doc.get("grant_types_supported").toString());
        assertEquals("[\"private_key_jwt\"]", doc.get("token_endpoint_auth_methods_supported").toString());
        assertEquals("[\"RS256\",\"ES256\"]", doc.get("token_endpoint_auth_signing_alg_values_supported").toString());
        assertEquals("[\"client-confidential-asymmetric\",\"permission-v2\",\"permission-v1\"]",
                doc.get("capabilities").toString());
        assertTrue(doc.get("scopes_supported").toString().contains("\"system/*.cud\""), doc.toString());
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static HttpResponse<String> write(String authorization) throws Exception {
        String id = unique("bad-token");
        HttpResponse<String> response = SERVER.send(put(SERVER.anonymousRequest("/Medication/" + id), id)
                .header("Authorization", authorization));
        assertEquals(404, SERVER.get("/Medication/" + id).statusCode(), "nothing stored");
        return response;
    }

    private static HttpRequest.Builder put(HttpRequest.Builder request, String id) {
        Medication medication = TestData.medication("authorization " + id);
        medication.setId(id);
        return request.header("Content-Type", FHIR_JSON).header("Accept", FHIR_JSON).PUT(body(medication));
    }

    private static HttpRequest.BodyPublisher body(IBaseResource resource) {
        return HttpRequest.BodyPublishers.ofString(TestData.parser().encodeResourceToString(resource));
    }

    private static void assertInvalidToken(HttpResponse<String> response, String reason) {
        OperationOutcome oo = assertOutcome(response, 401, IssueType.LOGIN);
        assertTrue(diagnostics(oo).contains(reason), diagnostics(oo));
        assertTrue(challenge(response).startsWith(CHALLENGE + ", error=\"invalid_token\", error_description=\""),
                challenge(response));
    }

    private static OperationOutcome assertOutcome(HttpResponse<String> response, int status, IssueType code) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith(FHIR_JSON),
                response.headers().toString());
        OperationOutcome oo = TestData.parser().parseResource(OperationOutcome.class, response.body());
        assertEquals(OperationOutcome.IssueSeverity.ERROR, oo.getIssueFirstRep().getSeverity());
        assertEquals(code, oo.getIssueFirstRep().getCode(), response.body());
        return oo;
    }

    private static String diagnostics(OperationOutcome oo) {
        return oo.getIssueFirstRep().getDiagnostics();
    }

    private static String challenge(HttpResponse<String> response) {
        return response.headers().firstValue("WWW-Authenticate").orElse("");
    }

    private static JWSHeader rsaHeader() {
        return new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(TestTokens.key().getKeyID()).build();
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static ECKey ecKey() {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID("test-ec-" + UUID.randomUUID()).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A key set file with the public halves of {@code rsa} and {@code ec}. */
    private static Path keySetFile(RSAKey rsa, ECKey ec) {
        try {
            Path file = Files.createTempFile("formulary-auth-test-jwks-", ".json");
            file.toFile().deleteOnExit();
            return Files.writeString(file, new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
