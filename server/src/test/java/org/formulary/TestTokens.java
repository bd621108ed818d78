package org.formulary;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Real bearer tokens for tests: one RSA key pair per test run (generated with Nimbus), its public JSON Web Key Set
 * in a temporary file, and JWTs signed with it by a test issuer. {@link #environment()} configures a server to
 * trust them. Thread-safe (the key is created once, then only read).
 */
public final class TestTokens {

    /** The issuer ({@code iss}) of the test tokens. */
    public static final String ISSUER = "https://issuer.formulary.test";
    /** The scopes of a token that may do anything. */
    public static final List<String> ALL_SCOPES = List.of("system/*.cruds", "system/*.*");
    /** The client id ({@code sub}, {@code client_id}) of the test tokens. */
    public static final String CLIENT_ID = "formulary-test-client";

    private static final RSAKey KEY = generate();
    private static final Path JWKS_FILE = writeJwks();

    private TestTokens() {}

    private static RSAKey generate() {
        try {
            return new RSAKeyGenerator(2048).keyID("test-" + UUID.randomUUID()).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("Could not generate the test RSA key", e);
        }
    }

    private static Path writeJwks() {
        try {
            Path file = Files.createTempFile("formulary-test-jwks-", ".json");
            file.toFile().deleteOnExit();
            return Files.writeString(file, new JWKSet(KEY.toPublicJWK()).toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The environment variables that make a server trust these tokens (key set file and issuer). */
    public static Map<String, String> environment() {
        return Map.of("FORMULARY_AUTH_JWKS", JWKS_FILE.toString(), "FORMULARY_AUTH_ISSUER", ISSUER);
    }

    /** The public key set file the server reads. */
    public static Path jwksFile() {
        return JWKS_FILE;
    }

    /** The test key pair (its public half is in the key set file). */
    public static RSAKey key() {
        return KEY;
    }

    /** Claims of a valid token for {@code audience} with {@code scopes}, valid for an hour from now. */
    public static JWTClaimsSet.Builder claims(String audience, List<String> scopes) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .audience(audience)
                .subject(CLIENT_ID)
                .claim("client_id", CLIENT_ID)
                .claim("scope", String.join(" ", scopes))
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(3600)))
                .jwtID(UUID.randomUUID().toString());
    }

    /** A compact JWT for {@code audience} with {@code scopes}, signed with the test key. */
    public static String token(String audience, List<String> scopes) {
        return sign(claims(audience, scopes).build());
    }

    /** {@code claims} as a compact JWT signed with the test key (RS256). */
    public static String sign(JWTClaimsSet claims) {
        return sign(claims, new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(KEY.getKeyID()).build(), rsaSigner());
    }

    /** {@code claims} as a compact JWT with {@code header}, signed by {@code signer}. */
    public static String sign(JWTClaimsSet claims, JWSHeader header, JWSSigner signer) {
        SignedJWT jwt = new SignedJWT(header, claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("Could not sign a test token", e);
        }
        return jwt.serialize();
    }

    /** The {@code Authorization} header value of a token for {@code audience} that may do anything. */
    public static String bearer(String audience) {
        return "Bearer " + token(audience, ALL_SCOPES);
    }

    private static JWSSigner rsaSigner() {
        try {
            return new RSASSASigner(KEY);
        } catch (JOSEException e) {
            throw new IllegalStateException("Could not use the test key", e);
        }
    }
}
