package org.formulary;

import static org.formulary.TestData.FHIR_JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.formulary.config.Settings;
import org.formulary.content.ContentLoader;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The startup content load and the database across restarts: loading unchanged content again creates no versions,
 * a changed file creates exactly one, an invalid file stops the startup naming the file, and a file database keeps
 * its data (and its migration history) across a restart.
 */
class ContentLoadTest {

    private static final FhirContext CTX = FhirContext.forR4();

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> memoryDatabases = new ArrayList<>();

    @TempDir
    Path tmp;

    /** A stored content file: where it lives in the copy, and the resource it holds. */
    private record ContentFile(Path path, String type, String id) {}

    @AfterEach
    void dropMemoryDatabases() {
        for (String url : memoryDatabases) {
            try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement s = c.createStatement()) {
                s.execute("SHUTDOWN");
            } catch (SQLException e) {
                // already gone
            }
        }
    }

    @Test
    void restartWithUnchangedContentCreatesNoVersions() throws Exception {
        Path content = copyOfRepositoryContent();
        List<ContentFile> files = contentFiles(content);
        Settings settings = settings(memoryDatabase(), content);

        try (FormularyServer first = FormularyServer.start(settings)) {
            ContentLoader.Report report = first.loaded();
            assertEquals(files.size(), report.files());
            assertEquals(files.size(), report.created(), "a fresh database gets every resource as new");
            assertEquals(files.size(), report.validated(), "every resource is validated on the first start");
            assertEquals(0, report.updated());
            assertEquals(0, report.unchanged());
        }

        try (FormularyServer second = FormularyServer.start(settings)) {
            ContentLoader.Report report = second.loaded();
            assertEquals(files.size(), report.files());
            assertEquals(0, report.created(), "nothing is new on the second start");
            assertEquals(0, report.updated(), "nothing changed on the second start");
            assertEquals(files.size(), report.unchanged());
            assertEquals(0, report.validated(), "the same content, package and server: validated on the first start");
            for (ContentFile file : files) {
                Resource stored = read(second, file.type(), file.id());
                assertEquals("1", stored.getMeta().getVersionId(), file.type() + "/" + file.id());
                assertEquals(1, history(second, "/" + file.type() + "/" + file.id() + "/_history").getTotal(),
                        "one version of " + file.type() + "/" + file.id());
            }
            assertEquals(files.size(), history(second, "/Provenance/_history").getTotal(),
                    "one Provenance per content version, none from the second start");
            assertEquals(2 * files.size(), history(second, "/_history").getTotal(),
                    "the whole server holds exactly one version per content file, and its Provenance");
        }
    }

    @Test
    void changedContentFileGetsExactlyOneNewVersion() throws Exception {
        Path content = copyOfRepositoryContent();
        List<ContentFile> files = contentFiles(content);
        ContentFile changed = files.stream().filter(f -> f.id().equals("baclofen-20mg-tablet")).findFirst()
                .orElseGet(() -> files.stream().filter(f -> f.type().equals("Medication")).findFirst().orElseThrow());
        Settings settings = settings(memoryDatabase(), content);

        String originalText;
        try (FormularyServer first = FormularyServer.start(settings)) {
            originalText = ((Medication) read(first, changed.type(), changed.id())).getCode().getText();
        }

        Medication edited = CTX.newJsonParser().parseResource(Medication.class,
                Files.readString(changed.path(), StandardCharsets.UTF_8));
        String newText = "Changed for the content load test " + UUID.randomUUID();
        edited.getCode().setText(newText);
        Files.writeString(changed.path(), CTX.newJsonParser().setPrettyPrint(true).encodeResourceToString(edited),
                StandardCharsets.UTF_8);

        try (FormularyServer second = FormularyServer.start(settings)) {
            ContentLoader.Report report = second.loaded();
            assertEquals(0, report.created());
            assertEquals(1, report.updated(), "exactly the changed file is a new version");
            assertEquals(files.size() - 1, report.unchanged());
            assertEquals(files.size(), report.validated(), "changed content: every file is validated again");

            Medication current = (Medication) read(second, changed.type(), changed.id());
            assertEquals("2", current.getMeta().getVersionId());
            assertEquals(newText, current.getCode().getText());
            Medication first = (Medication) vread(second, changed.type(), changed.id(), 1);
            assertEquals(originalText, first.getCode().getText(), "version 1 keeps the old content");
            assertEquals(2, history(second, "/" + changed.type() + "/" + changed.id() + "/_history").getTotal());
            for (ContentFile file : files) {
                if (!file.equals(changed)) {
                    assertEquals("1", read(second, file.type(), file.id()).getMeta().getVersionId(),
                            file.type() + "/" + file.id() + " is untouched");
                }
            }
            assertEquals(files.size() + 1, history(second, "/Provenance/_history").getTotal(),
                    "the new version has its Provenance");
            assertEquals(2 * (files.size() + 1), history(second, "/_history").getTotal());
        }

        try (FormularyServer third = FormularyServer.start(settings)) {
            assertEquals(0, third.loaded().updated(), "the changed file, loaded again, is now unchanged");
            assertEquals(files.size(), third.loaded().unchanged());
            assertEquals("2", read(third, changed.type(), changed.id()).getMeta().getVersionId());
        }
    }

    @Test
    void aContentResourceAClientChangedIsValidatedAndRestoredFromItsFile() throws Exception {
        Path content = copyOfRepositoryContent();
        List<ContentFile> files = contentFiles(content);
        Settings settings = settings(memoryDatabase(), content);
        String path = "/Medication/baclofen-10mg-tablet";
        String fileText;
        try (FormularyServer first = FormularyServer.start(settings)) {
            Medication medication = (Medication) read(first, "Medication", "baclofen-10mg-tablet");
            fileText = medication.getCode().getText();
            medication.getCode().setText("Changed by a client " + UUID.randomUUID());
            HttpResponse<String> updated = send(first, request(first, path).header("Content-Type", FHIR_JSON)
                    .PUT(HttpRequest.BodyPublishers.ofString(CTX.newJsonParser().encodeResourceToString(medication))));
            assertEquals(200, updated.statusCode(), updated.body());
        }

        try (FormularyServer second = FormularyServer.start(settings)) {
            ContentLoader.Report report = second.loaded();
            assertEquals(1, report.validated(), "only the resource written since the last load is validated");
            assertEquals(1, report.updated(), "its file's content is stored again");
            assertEquals(files.size() - 1, report.unchanged());
            Medication current = (Medication) read(second, "Medication", "baclofen-10mg-tablet");
            assertEquals("3", current.getMeta().getVersionId());
            assertEquals(fileText, current.getCode().getText());
        }
    }

    @Test
    void invalidContentFileStopsStartupNamingTheFile() throws Exception {
        Path content = copyOfRepositoryContent();
        Path invalid = content.resolve("Medication").resolve("invalid-medication.json");
        Files.createDirectories(invalid.getParent());
        Files.writeString(invalid, """
                {
                  "resourceType": "Medication",
                  "id": "invalid-medication",
                  "code": {
                    "coding": [
                      { "system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "197391" }
                    ]
                  },
                  "status": "active"
                }
                """, StandardCharsets.UTF_8);
        String url = memoryDatabase();

        Exception e = assertThrows(Exception.class, () -> FormularyServer.start(settings(url, content)).close());

        String message = e.getMessage();
        assertNotNull(message);
        assertTrue(message.contains("invalid-medication.json"), "the message names the file: " + message);
        assertTrue(message.contains("Medication.form"), "the message says what is wrong: " + message);
        assertEquals(0, countRows(url, "SELECT COUNT(*) FROM resource_version WHERE res_id = ?", "invalid-medication"),
                "the invalid resource was not stored");
    }

    @Test
    void fileDatabaseSurvivesRestart() throws Exception {
        String url = "jdbc:h2:file:" + tmp.resolve("db").toAbsolutePath();
        Map<String, String> env = new HashMap<>(TestTokens.environment());
        env.putAll(Map.of("FORMULARY_PORT", "0", "FORMULARY_DB_URL", url));
        Settings settings = Settings.fromEnvironment(env);

        String id;
        int contentFiles;
        try (FormularyServer first = FormularyServer.start(settings)) {
            contentFiles = first.loaded().files();
            assertTrue(contentFiles > 0);
            assertEquals(contentFiles, first.loaded().created());
            HttpResponse<String> created = send(first, request(first, "/Medication")
                    .header("Content-Type", FHIR_JSON)
                    .POST(HttpRequest.BodyPublishers.ofString(CTX.newJsonParser().encodeResourceToString(
                            TestData.medication("kept across restarts")))));
            assertEquals(201, created.statusCode(), created.body());
            Medication stored = CTX.newJsonParser().parseResource(Medication.class, created.body());
            id = stored.getIdElement().getIdPart();
            stored.getCode().setText("kept across restarts v2");
            HttpResponse<String> updated = send(first, request(first, "/Medication/" + id)
                    .header("Content-Type", FHIR_JSON)
                    .PUT(HttpRequest.BodyPublishers.ofString(CTX.newJsonParser().encodeResourceToString(stored))));
            assertEquals(200, updated.statusCode(), updated.body());
        }
        assertTrue(Files.exists(tmp.resolve("db.mv.db")), "the database is a file in the temp dir");

        try (FormularyServer second = FormularyServer.start(settings)) {
            assertEquals(0, second.loaded().created(), "the content is already there");
            assertEquals(0, second.loaded().updated());
            assertEquals(contentFiles, second.loaded().unchanged());
            Medication kept = (Medication) read(second, "Medication", id);
            assertEquals("2", kept.getMeta().getVersionId());
            assertEquals("kept across restarts v2", kept.getCode().getText());
            assertEquals("kept across restarts", ((Medication) vread(second, "Medication", id, 1)).getCode().getText());
            assertEquals(2, history(second, "/Medication/" + id + "/_history").getTotal());
            assertEquals("1", read(second, "Medication", "baclofen-10mg-tablet").getMeta().getVersionId());
        }

        int migrations = migrationScripts();
        assertTrue(migrations > 0);
        assertEquals(migrations, countRows(url, "SELECT COUNT(*) FROM \"flyway_schema_history\""
                + " WHERE \"version\" IS NOT NULL AND \"success\" = TRUE"),
                "each migration applied exactly once over two starts");
        assertEquals(migrations, countRows(url, "SELECT COUNT(*) FROM \"flyway_schema_history\""
                + " WHERE \"version\" IS NOT NULL"), "no failed or repeated migration");
    }

    // --------------------------------------------------------------------------------------------------- helpers

    private String memoryDatabase() {
        String url = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        memoryDatabases.add(url);
        return url;
    }

    private static Settings settings(String dbUrl, Path content) {
        Map<String, String> env = new HashMap<>(TestTokens.environment());
        env.putAll(Map.of(
                "FORMULARY_PORT", "0",
                "FORMULARY_DB_URL", dbUrl,
                "FORMULARY_RESOURCES_DIR", content.toAbsolutePath().toString()));
        return Settings.fromEnvironment(env);
    }

    /** A copy of the repository's {@code resources/} folder in the temp dir. */
    private Path copyOfRepositoryContent() throws IOException {
        Path source = TestData.repositoryResourcesDir();
        Path target = tmp.resolve("content");
        try (Stream<Path> walk = Files.walk(source)) {
            for (Path path : walk.sorted().collect(Collectors.toList())) {
                Path copy = target.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(path, copy);
                }
            }
        }
        return target;
    }

    private static List<ContentFile> contentFiles(Path dir) throws IOException {
        List<ContentFile> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : walk.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".json")).sorted()
                    .collect(Collectors.toList())) {
                IBaseResource resource = CTX.newJsonParser().parseResource(Files.readString(path, StandardCharsets.UTF_8));
                files.add(new ContentFile(path, CTX.getResourceType(resource), resource.getIdElement().getIdPart()));
            }
        }
        assertFalse(files.isEmpty(), "no content files in " + dir);
        return files;
    }

    /** How many versioned migration scripts the build carries. */
    private static int migrationScripts() throws Exception {
        URL url = ContentLoadTest.class.getClassLoader().getResource("db/migration");
        assertNotNull(url, "db/migration on the classpath");
        try (Stream<Path> list = Files.list(Path.of(url.toURI()))) {
            return (int) list.filter(p -> p.getFileName().toString().matches("V\\d+.*__.*\\.sql")).count();
        }
    }

    private static int countRows(String url, String sql, Object... args) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "sa", ""); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private HttpRequest.Builder request(FormularyServer server, String path) {
        return HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).header("Accept", FHIR_JSON)
                .header("Authorization", TestTokens.bearer(server.baseUrl()));
    }

    private HttpResponse<String> send(FormularyServer server, HttpRequest.Builder request)
            throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Resource read(FormularyServer server, String type, String id) throws Exception {
        HttpResponse<String> response = send(server, request(server, "/" + type + "/" + id).GET());
        assertEquals(200, response.statusCode(), type + "/" + id + ": " + response.body());
        return (Resource) CTX.newJsonParser().parseResource(response.body());
    }

    private Resource vread(FormularyServer server, String type, String id, long version) throws Exception {
        HttpResponse<String> response = send(server, request(server, "/" + type + "/" + id + "/_history/" + version)
                .GET());
        assertEquals(200, response.statusCode(), type + "/" + id + "/_history/" + version + ": " + response.body());
        return (Resource) CTX.newJsonParser().parseResource(response.body());
    }

    private Bundle history(FormularyServer server, String path) throws Exception {
        HttpResponse<String> response = send(server, request(server, path).GET());
        assertEquals(200, response.statusCode(), path + ": " + response.body());
        return CTX.newJsonParser().parseResource(Bundle.class, response.body());
    }
}
