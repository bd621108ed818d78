package org.formulary.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.formulary.TestTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verifier outside a server: the caller a token names, a server without a key set, and key set files that
 * cannot work (refused at startup).
 */
class TokenVerifierTest {

    private static final String AUDIENCE = "https://formulary.example/fhir";

    @Test
    void aValidTokenNamesItsCallerAndScopes() throws IOException {
        TokenVerifier verifier = TokenVerifier.create(TestTokens.jwksFile().toString(), TestTokens.ISSUER, AUDIENCE);
        Caller caller = verifier.verify(TestTokens.sign(TestTokens.claims(AUDIENCE, List.of("system/*.cud"))
                .claim("scp", List.of("system/Basic.rs")).build()));
        assertEquals(new Caller(TestTokens.CLIENT_ID, TestTokens.CLIENT_ID, Set.of("system/*.cud", "system/Basic.rs")),
                caller);
        assertTrue(verifier.hasKeySet());
    }

    @Test
    void withoutAKeySetEveryTokenIsRefused() {
        TokenVerifier verifier = TokenVerifier.withoutKeySet();
        assertFalse(verifier.hasKeySet());
        BaseServerResponseException e = assertThrows(BaseServerResponseException.class,
                () -> verifier.verify(TestTokens.token(AUDIENCE, TestTokens.ALL_SCOPES)));
        assertEquals(401, e.getStatusCode());
        assertTrue(e.getMessage().contains("no key set is configured (FORMULARY_AUTH_JWKS)"), e.getMessage());
        assertTrue(e.getResponseHeaders().get("WWW-Authenticate").get(0).contains("error=\"invalid_token\""));
    }

    @Test
    void aMissingOrMalformedKeySetFileIsAStartupError(@TempDir Path dir) throws IOException {
        assertThrows(IOException.class, () -> TokenVerifier.create(dir.resolve("absent.json").toString(),
                TestTokens.ISSUER, AUDIENCE));
        Path malformed = Files.writeString(dir.resolve("malformed.json"), "{\"keys\": 42}");
        IOException e = assertThrows(IOException.class, () -> TokenVerifier.create(malformed.toString(),
                TestTokens.ISSUER, AUDIENCE));
        assertTrue(e.getMessage().contains("not a JSON Web Key Set"), e.getMessage());
    }
}
