package org.formulary;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import com.nimbusds.jwt.JWTClaimsSet;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.WeakHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.formulary.config.Settings;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts the real server (Jetty on a free port, the validator, the content in the jar) against its own database
 * built by the production migrations and its own temporary export folder, once per test class. The database is a
 * fresh in-memory H2 one, or a fresh PostgreSQL one ({@link #onPostgres()}, or every default extension when the
 * system property {@value #DATABASE_PROPERTY} is {@code postgresql}: test classes tagged {@value #ALSO_ON_POSTGRESQL}
 * run so a second time, see server/pom.xml). Tests talk to it over HTTP with HAPI's generic client or
 * {@link java.net.http.HttpClient}. Register it as a static field with {@code @RegisterExtension}.
 *
 * <p>The server trusts the {@link TestTokens} key set, and {@link #request(String)}, {@link #get(String)},
 * {@link #send(HttpRequest.Builder)} and {@link #client()} send a valid bearer token that may do anything
 * ({@link TestTokens#ALL_SCOPES}); {@link #anonymousRequest(String)} and {@link #anonymousClient()} send none, and
 * {@link #token(String...)} and {@link #sign(JWTClaimsSet)} make other tokens.
 */
public final class FormularyServerExtension implements BeforeAllCallback, AfterAllCallback {

    private static final FhirContext CLIENT_CTX = FhirContext.forR4();

    static {
        CLIENT_CTX.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        CLIENT_CTX.getRestfulClientFactory().setSocketTimeout(60_000);
    }

    /** The system property that puts every default extension on PostgreSQL ({@code postgresql}) instead of H2. */
    public static final String DATABASE_PROPERTY = "formulary.test.database";

    /** The tag of the test classes that the build runs on H2 and again on PostgreSQL. */
    public static final String ALSO_ON_POSTGRESQL = "also-on-postgresql";

    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, String> env;
    /** Builders made by {@link #anonymousRequest(String)}: {@link #send} adds no token to them. */
    private final Set<HttpRequest.Builder> anonymous = Collections.synchronizedSet(
            Collections.newSetFromMap(new WeakHashMap<>()));
    private static final String H2_MEMORY = "jdbc:h2:mem:";

    private final Supplier<String> database;
    /** Whether this extension made its database (and so shuts an in-memory one down), not {@link #anotherNode()}. */
    private final boolean ownsDatabase;
    private FormularyServer server;
    private String dbUrl;
    private Path exportDir;

    /** A server with the default settings. */
    public FormularyServerExtension() {
        this(Map.of());
    }

    /**
     * A server with these environment variables set (port and database are always the extension's own; the
     * {@link TestTokens} key set and issuer apply unless {@code env} sets others).
     */
    public FormularyServerExtension(Map<String, String> env) {
        this(env, "postgresql".equals(System.getProperty(DATABASE_PROPERTY))
                ? PostgresDatabases::create
                : () -> H2_MEMORY + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", true);
    }

    private FormularyServerExtension(Map<String, String> env, Supplier<String> database, boolean ownsDatabase) {
        Map<String, String> all = new HashMap<>(TestTokens.environment());
        all.putAll(env);
        this.env = Map.copyOf(all);
        this.database = database;
        this.ownsDatabase = ownsDatabase;
    }

    /** A server on its own new PostgreSQL database (see {@link PostgresDatabases}). */
    public static FormularyServerExtension onPostgres() {
        return new FormularyServerExtension(Map.of(), PostgresDatabases::create, true);
    }

    /**
     * Another server node on this extension's database, with the same environment. This extension must start
     * first: give both fields {@code @Order}.
     */
    public FormularyServerExtension anotherNode() {
        return new FormularyServerExtension(env, () -> {
            if (dbUrl == null) {
                throw new IllegalStateException("anotherNode(): the first node has not started; order the fields");
            }
            return dbUrl;
        }, false);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dbUrl = database.get();
        exportDir = Files.createTempDirectory("formulary-export-");
        server = FormularyServer.start(Settings.forDatabase(dbUrl, env).withExportDir(exportDir));
    }

    /**
     * Settings for another server node on this server's database (port 0), trusting the same tokens as this one:
     * {@code extraEnv} on top of this server's environment, with the tokens' audience fixed to this server's.
     */
    public Settings settingsForAnotherNode(Map<String, String> extraEnv) {
        Map<String, String> all = new HashMap<>(env);
        all.put("FORMULARY_AUTH_AUDIENCE", tokenAudience());
        all.putAll(extraEnv);
        return Settings.forDatabase(dbUrl, all);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException, SQLException {
        if (server != null) {
            server.close();
            // The extension lives in a static field of its test class until the JVM ends: let the stopped server
            // (validator, caches) be collected.
            server = null;
        }
        deleteRecursively(exportDir);
        // An in-memory H2 database (DB_CLOSE_DELAY=-1) lives until it is shut down: without this, every test class
        // of the JVM would keep its whole database in the heap. Another node on it closes first (reverse order).
        if (ownsDatabase && dbUrl != null && dbUrl.startsWith(H2_MEMORY)) {
            try (Connection c = DriverManager.getConnection(dbUrl, "sa", ""); Statement st = c.createStatement()) {
                st.execute("SHUTDOWN");
            }
        }
    }

    /** Deletes {@code dir} and everything under it, if it exists. */
    public static void deleteRecursively(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** The FHIR base URL, e.g. {@code http://localhost:41234/fhir}. */
    public String baseUrl() {
        return server.baseUrl();
    }

    /** The JDBC URL of this server's database. */
    public String dbUrl() {
        return dbUrl;
    }

    /** The folder this server writes Bulk Data export files to. */
    public Path exportDir() {
        return exportDir;
    }

    /** The running server. */
    public FormularyServer server() {
        return server;
    }

    /** A FhirContext for the client side (separate from the server's, as a real client's would be). */
    public FhirContext clientContext() {
        return CLIENT_CTX;
    }

    /** HAPI's generic client pointed at the server, sending a token that may do anything. */
    public IGenericClient client() {
        IGenericClient client = anonymousClient();
        client.registerInterceptor(new BearerTokenAuthInterceptor(fullAccessToken()));
        return client;
    }

    /** HAPI's generic client pointed at the server, sending no token. */
    public IGenericClient anonymousClient() {
        return CLIENT_CTX.newRestfulGenericClient(baseUrl());
    }

    /**
     * Sends {@code request}, with a token that may do anything unless it has an {@code Authorization} header or
     * comes from {@link #anonymousRequest(String)}.
     */
    public HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpRequest built = request.build();
        if (!anonymous.contains(request) && built.headers().firstValue("Authorization").isEmpty()) {
            built = HttpRequest.newBuilder(built, (name, value) -> true)
                    .header("Authorization", "Bearer " + fullAccessToken())
                    .build();
        }
        return http.send(built, HttpResponse.BodyHandlers.ofString());
    }

    /** A request builder for {@code path} relative to the FHIR base, with a token that may do anything. */
    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .header("Authorization", "Bearer " + fullAccessToken());
    }

    /** A request builder for {@code path} relative to the FHIR base, without a token (also when {@link #send}ing). */
    public HttpRequest.Builder anonymousRequest(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl() + path));
        anonymous.add(builder);
        return builder;
    }

    private String fullAccessToken() {
        return token(TestTokens.ALL_SCOPES.toArray(String[]::new));
    }

    /** The audience ({@code aud}) the server expects: the configured one, else its base URL. */
    public String tokenAudience() {
        return env.getOrDefault("FORMULARY_AUTH_AUDIENCE", baseUrl());
    }

    /** A valid token (compact JWT) for this server with {@code scopes}. */
    public String token(String... scopes) {
        return TestTokens.token(tokenAudience(), List.of(scopes));
    }

    /** The claims of a valid token for this server with {@code scopes}, to change before {@link #sign}ing. */
    public JWTClaimsSet.Builder claims(String... scopes) {
        return TestTokens.claims(tokenAudience(), List.of(scopes));
    }

    /** {@code claims} signed with the key the server trusts. */
    public String sign(JWTClaimsSet claims) {
        return TestTokens.sign(claims);
    }

    /**
     * A request builder for {@code path} on the server outside the FHIR base, from the server's root (e.g.
     * "/health/ready").
     */
    public HttpRequest.Builder rootRequest(String path) {
        URI base = URI.create(baseUrl());
        return HttpRequest.newBuilder(base.resolve(path));
    }

    /**
     * The {@code Authorization} header value this extension's requests carry, for requests that cannot be built
     * with {@link #request(String)} (raw socket requests with a lying Content-Length, say): a bearer token that may
     * do anything.
     */
    public Optional<String> authorizationHeader() {
        return Optional.of("Bearer " + fullAccessToken());
    }

    /** GET {@code path} (relative to the FHIR base) with JSON accepted. */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(request(path).header("Accept", "application/fhir+json").GET());
    }
}
