package org.formulary.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The documented defaults of the environment variables, and refusal of values that cannot work. */
class SettingsTest {

    @Test
    void defaultsApplyWhenNothingIsSet() {
        Settings settings = Settings.fromEnvironment(Map.of());
        assertEquals(8080, settings.port());
        assertEquals(DatabaseSettings.of(Settings.DEFAULT_DB_URL), settings.database());
        assertTrue(settings.database().url().startsWith("jdbc:h2:file:./data/"), settings.database().url());
        assertEquals(10, settings.database().poolSize());
        assertEquals("http://localhost:8080/fhir", settings.baseUrlFor(8080));
        assertEquals(Optional.empty(), settings.contentDir());
        assertEquals(20, settings.defaultPageSize());
        assertEquals(1000, settings.maxPageSize());
        assertEquals(new Settings.Notifications(5, Duration.ofSeconds(1), Duration.ofSeconds(10)),
                settings.notifications());
        assertEquals(Path.of("./data/export"), settings.exportDir());
        assertEquals(Duration.ofSeconds(20), settings.shutdownTimeout());
        assertEquals(new Settings.Auth(true, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                false), settings.auth());
        assertEquals("http://localhost:8080/fhir", settings.auth().audienceOr(settings.baseUrlFor(8080)));
        assertEquals(new Settings.Limits(10 * 1024 * 1024, Duration.ofSeconds(30), 200), settings.limits());
        assertEquals(DatabaseSettings.DEFAULT_POOL_SIZE, settings.database().poolSize());
    }

    @Test
    void readsTheAuthorizationVariables() {
        Settings settings = Settings.fromEnvironment(Map.of(
                "FORMULARY_AUTH", "ON",
                "FORMULARY_AUTH_JWKS", "https://idp.example/jwks.json",
                "FORMULARY_AUTH_ISSUER", "https://idp.example",
                "FORMULARY_AUTH_AUDIENCE", "https://formulary.example/fhir",
                "FORMULARY_AUTH_TOKEN_ENDPOINT", "https://idp.example/token",
                "FORMULARY_EXPORT_AUTH", "private"));
        assertEquals(new Settings.Auth(true, Optional.of("https://idp.example/jwks.json"),
                Optional.of("https://idp.example"), Optional.of("https://formulary.example/fhir"),
                Optional.of("https://idp.example/token"), true), settings.auth());
        assertEquals("https://formulary.example/fhir", settings.auth().audienceOr("http://localhost:8080/fhir"));
        assertFalse(Settings.fromEnvironment(Map.of("FORMULARY_AUTH", "off")).auth().enabled());
    }

    @Test
    void refusesAuthorizationValuesThatCannotWork() {
        assertThrows(IllegalArgumentException.class, () -> Settings.fromEnvironment(Map.of("FORMULARY_AUTH", "no")));
        assertThrows(IllegalArgumentException.class,
                () -> Settings.fromEnvironment(Map.of("FORMULARY_EXPORT_AUTH", "secret")));
        IllegalArgumentException noIssuer = assertThrows(IllegalArgumentException.class,
                () -> Settings.fromEnvironment(Map.of("FORMULARY_AUTH_JWKS", "/etc/jwks.json")));
        assertTrue(noIssuer.getMessage().contains("FORMULARY_AUTH_ISSUER"), noIssuer.getMessage());
    }

    @Test
    void readsEveryVariable() {
        Settings settings = Settings.fromEnvironment(Map.ofEntries(
                Map.entry("FORMULARY_PORT", "9090"),
                Map.entry("FORMULARY_DB_URL", "jdbc:h2:mem:x"),
                Map.entry("FORMULARY_BASE_URL", "https://formulary.example/fhir/"),
                Map.entry("FORMULARY_RESOURCES_DIR", "/srv/content"),
                Map.entry("FORMULARY_CONFORMANCE_DIR", "/srv/conformance"),
                Map.entry("FORMULARY_DEFAULT_COUNT", "50"),
                Map.entry("FORMULARY_MAX_COUNT", "200"),
                Map.entry("FORMULARY_SUBSCRIPTION_ATTEMPTS", "3"),
                Map.entry("FORMULARY_SUBSCRIPTION_RETRY_DELAY_MS", "50"),
                Map.entry("FORMULARY_SUBSCRIPTION_TIMEOUT_MS", "2000"),
                Map.entry("FORMULARY_EXPORT_DIR", "/srv/export"),
                Map.entry("FORMULARY_SHUTDOWN_TIMEOUT_MS", "1500"),
                Map.entry("FORMULARY_DB_USER", "formulary"),
                Map.entry("FORMULARY_DB_PASSWORD", "s3cret"),
                Map.entry("FORMULARY_DB_POOL_SIZE", "25"),
                Map.entry("FORMULARY_MAX_BODY_BYTES", "2048"),
                Map.entry("FORMULARY_REQUEST_TIMEOUT_MS", "1500"),
                Map.entry("FORMULARY_HTTP_THREADS", "64")));
        assertEquals(9090, settings.port());
        assertEquals(new DatabaseSettings("jdbc:h2:mem:x", Optional.of("formulary"), Optional.of("s3cret"), 25),
                settings.database());
        assertEquals("https://formulary.example/fhir", settings.baseUrlFor(9090), "trailing slash dropped");
        assertEquals(Optional.of(Path.of("/srv/content")), settings.contentDir());
        assertEquals(Optional.of(Path.of("/srv/conformance")), settings.conformanceDir());
        assertEquals(50, settings.defaultPageSize());
        assertEquals(200, settings.maxPageSize());
        assertEquals(new Settings.Notifications(3, Duration.ofMillis(50), Duration.ofSeconds(2)),
                settings.notifications());
        assertEquals(Path.of("/srv/export"), settings.exportDir());
        assertEquals(Duration.ofMillis(1500), settings.shutdownTimeout());
        assertEquals(new Settings.Limits(2048, Duration.ofMillis(1500), 64), settings.limits());
    }

    @Test
    void blankValuesCountAsUnset() {
        assertEquals(8080, Settings.fromEnvironment(Map.of("FORMULARY_PORT", "  ")).port());
    }

    @Test
    void refusesValuesThatCannotWork() {
        assertThrows(IllegalArgumentException.class, () -> Settings.fromEnvironment(Map.of("FORMULARY_PORT", "http")));
        assertThrows(IllegalArgumentException.class, () -> Settings.fromEnvironment(Map.of("FORMULARY_PORT", "70000")));
        assertThrows(IllegalArgumentException.class, () -> Settings.fromEnvironment(Map.of("FORMULARY_PORT", "-1")));
        assertThrows(IllegalArgumentException.class,
                () -> Settings.fromEnvironment(Map.of("FORMULARY_DEFAULT_COUNT", "0")));
        assertThrows(IllegalArgumentException.class,
                () -> Settings.fromEnvironment(Map.of("FORMULARY_DEFAULT_COUNT", "500", "FORMULARY_MAX_COUNT", "100")));
        assertThrows(IllegalArgumentException.class,
                () -> Settings.fromEnvironment(Map.of("FORMULARY_SUBSCRIPTION_ATTEMPTS", "0")));
        assertThrows(IllegalArgumentException.class,
                () -> Settings.fromEnvironment(Map.of("FORMULARY_SUBSCRIPTION_RETRY_DELAY_MS", "soon")));
        assertThrows(IllegalArgumentException.class,
                () -> Settings.fromEnvironment(Map.of("FORMULARY_SHUTDOWN_TIMEOUT_MS", "0")));
        assertThrows(IllegalArgumentException.class, () -> Settings.fromEnvironment(Map.of("FORMULARY_DB_POOL_SIZE", "0")));
        assertThrows(IllegalArgumentException.class, () -> Settings.fromEnvironment(Map.of("FORMULARY_HTTP_THREADS", "2")));
        assertThrows(IllegalArgumentException.class,
                () -> Settings.fromEnvironment(Map.of("FORMULARY_MAX_BODY_BYTES", "0")));
        assertThrows(IllegalArgumentException.class,
                () -> Settings.fromEnvironment(Map.of("FORMULARY_REQUEST_TIMEOUT_MS", "-5")));
    }

    @Test
    void acceptsH2AndPostgresqlUrlsOnly() {
        assertEquals(DatabaseSettings.Vendor.POSTGRESQL, Settings.fromEnvironment(
                Map.of("FORMULARY_DB_URL", "jdbc:postgresql://db.example:5432/formulary")).database().vendor());
        assertEquals(DatabaseSettings.Vendor.H2, Settings.fromEnvironment(Map.of()).database().vendor());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Settings.fromEnvironment(
                Map.of("FORMULARY_DB_URL", "jdbc:mysql://db.example/formulary?password=s3cret")));
        assertEquals("FORMULARY_DB_URL must be a jdbc:h2: or jdbc:postgresql: URL, was: jdbc:mysql:...", e.getMessage());
    }

    @Test
    void neverShowsThePassword() {
        String shown = Settings.fromEnvironment(Map.of(
                "FORMULARY_DB_URL", "jdbc:postgresql://db.example/formulary?user=app&password=in-url",
                "FORMULARY_DB_PASSWORD", "from-env")).toString();
        assertTrue(shown.contains("jdbc:postgresql://db.example/formulary..."), shown);
        assertFalse(shown.contains("in-url") || shown.contains("from-env"), shown);
    }
}
