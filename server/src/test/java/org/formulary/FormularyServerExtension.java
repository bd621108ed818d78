package org.formulary;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.formulary.config.Settings;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts the real server (Jetty on a free port, the validator, the content in the jar) against its own in-memory
 * H2 database built by the production migrations and its own temporary export folder, once per test class. Tests talk to it over HTTP with HAPI's
 * generic client or {@link java.net.http.HttpClient}. Register it as a static field with {@code @RegisterExtension}.
 */
public final class FormularyServerExtension implements BeforeAllCallback, AfterAllCallback {

    private static final FhirContext CLIENT_CTX = FhirContext.forR4();

    static {
        CLIENT_CTX.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        CLIENT_CTX.getRestfulClientFactory().setSocketTimeout(60_000);
    }

    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, String> env;
    private FormularyServer server;
    private String dbUrl;
    private Path exportDir;

    /** A server with the default settings. */
    public FormularyServerExtension() {
        this(Map.of());
    }

    /** A server with these environment variables set (port and database are always the extension's own). */
    public FormularyServerExtension(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dbUrl = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        exportDir = Files.createTempDirectory("formulary-export-");
        server = FormularyServer.start(Settings.forDatabase(dbUrl, env).withExportDir(exportDir));
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (server != null) {
            server.close();
        }
        deleteRecursively(exportDir);
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

    /** HAPI's generic client pointed at the server. */
    public IGenericClient client() {
        return CLIENT_CTX.newRestfulGenericClient(baseUrl());
    }

    /** Sends {@code request} to the server; {@code path} is appended to the FHIR base (e.g. "/Medication"). */
    public HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A request builder for {@code path} relative to the FHIR base. */
    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl() + path));
    }

    /**
     * A request builder for {@code path} on the server outside the FHIR base, from the server's root (e.g.
     * "/health/ready").
     */
    public HttpRequest.Builder rootRequest(String path) {
        URI base = URI.create(baseUrl());
        return HttpRequest.newBuilder(base.resolve(path));
    }

    /** GET {@code path} (relative to the FHIR base) with JSON accepted. */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(request(path).header("Accept", "application/fhir+json").GET());
    }
}
