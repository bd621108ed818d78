package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.formulary.config.Settings;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Basic;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bulk Data Access v2 {@code $export} over HTTP: kick-off at system, type and instance level (GET and POST), the
 * status URL (202 with {@code X-Progress} while running, then the manifest), NDJSON downloads whose every line
 * parses and validates, {@code _type}, {@code _since} (with deletions), {@code _outputFormat}, the 400s for what
 * the server cannot do, cancel with DELETE, the CapabilityStatement, and jobs surviving a restart (finished, resumed
 * and given up).
 */
@Tag(FormularyServerExtension.ALSO_ON_POSTGRESQL)
class BulkExportTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String NDJSON = "application/fhir+ndjson";
    private static final long POLL_TIMEOUT_MILLIS = 120_000;

    // ------------------------------------------------------------------------------------------------ round trip

    @Test
    void systemExportRoundTripExportsEveryResourceOnceAndEveryLineValidates() throws Exception {
        HttpResponse<String> kickOff = kickOff(SERVER.baseUrl(), "/$export");
        assertEquals(202, kickOff.statusCode(), kickOff.body());
        String statusUrl = kickOff.headers().firstValue("Content-Location").orElseThrow();
        assertTrue(statusUrl.startsWith(SERVER.baseUrl() + "/$export-poll-status?_jobId="), statusUrl);
        assertEquals("OperationOutcome", TestData.parser().parseResource(kickOff.body()).fhirType());

        JsonNode manifest = awaitManifest(statusUrl);
        assertTrue(manifest.get("transactionTime").asText().matches("\\d{4}-\\d{2}-\\d{2}T.*Z"), manifest.toString());
        assertEquals(SERVER.baseUrl() + "/$export", manifest.get("request").asText());
        assertFalse(manifest.get("requiresAccessToken").asBoolean());
        assertEquals(0, manifest.get("error").size(), manifest.toString());
        assertEquals(0, manifest.get("deleted").size(), "no _since, so no deletions: " + manifest);

        Map<String, Set<String>> exported = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (JsonNode item : manifest.get("output")) {
            String type = item.get("type").asText();
            List<String> lines = download(item.get("url").asText());
            assertEquals(item.get("count").asLong(), lines.size(), "count of " + type);
            assertFalse(exported.containsKey(type), "one file per type: " + type);
            Set<String> ids = new HashSet<>();
            for (String line : lines) {
                IBaseResource resource = TestData.parser().parseResource(line);
                assertEquals(type, resource.fhirType(), "every line of the " + type + " file is a " + type);
                assertTrue(ids.add(resource.getIdElement().getIdPart()), "each resource once: " + line);
                problems.addAll(validationErrors(type, line));
            }
            exported.put(type, ids);
        }
        assertEquals(List.of(), problems, "every exported resource validates");

        Map<String, Set<String>> stored = new TreeMap<>();
        for (String type : searchableTypes()) {
            Set<String> ids = currentIds(type);
            if (!ids.isEmpty()) {
                stored.put(type, ids);
            }
        }
        assertEquals(stored, exported, "the export holds exactly the current resources of every type");
        assertTrue(exported.get("Medication").contains("baclofen-10mg-tablet"), exported.toString());
    }

    @Test
    void downloadAnswersNdjsonAndUnknownFilesAre404() throws Exception {
        JsonNode manifest = awaitManifest(statusUrlOf(kickOff(SERVER.baseUrl(), "/$export?_type=Basic")));
        String url = manifest.get("output").get(0).get("url").asText();

        HttpResponse<String> file = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", NDJSON).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, file.statusCode(), file.body());
        assertEquals(NDJSON, file.headers().firstValue("Content-Type").orElse(""));
        assertTrue(file.body().endsWith("\n"), "every line ends with a newline");

        HttpResponse<String> unknown = get(url.replace("_file=Basic.ndjson", "_file=Medication.ndjson"));
        assertEquals(404, unknown.statusCode(), "a type the job did not export");
        assertOperationOutcome(unknown);
        assertEquals(404, get(url.replace("_file=Basic.ndjson", "_file=..%2F..%2Fetc%2Fpasswd")).statusCode());
        assertEquals(404, get(SERVER.baseUrl() + "/$export-download?_jobId=" + UUID.randomUUID()
                + "&_file=Basic.ndjson").statusCode());
    }

    // ------------------------------------------------------------------------------------------------ parameters

    @Test
    void typeParameterLimitsTheExportToTheListedTypes() throws Exception {
        JsonNode manifest = awaitManifest(statusUrlOf(kickOff(SERVER.baseUrl(), "/$export?_type=Medication,Basic")));
        assertEquals(Set.of("Medication", "Basic"), outputTypes(manifest));
        assertEquals(currentIds("Medication").size(), countOf(manifest, "Medication"));
        assertEquals(currentIds("Basic").size(), countOf(manifest, "Basic"));

        // Repeated _type parameters count as one comma-separated list.
        JsonNode repeated = awaitManifest(statusUrlOf(kickOff(SERVER.baseUrl(),
                "/$export?_type=DocumentReference&_type=ActivityDefinition")));
        assertEquals(Set.of("DocumentReference", "ActivityDefinition"), outputTypes(repeated));

        JsonNode blank = awaitManifest(statusUrlOf(kickOff(SERVER.baseUrl(), "/$export?_type=")));
        assertTrue(outputTypes(blank).containsAll(Set.of("Medication", "MedicationKnowledge", "Basic")),
                "an empty _type asks for no particular type, so every type: " + outputTypes(blank));
    }

    @Test
    void postKickOffReadsItsParametersFromTheBody() throws Exception {
        String body = "{\"resourceType\":\"Parameters\",\"parameter\":["
                + "{\"name\":\"_type\",\"valueString\":\"DetectedIssue\"},"
                + "{\"name\":\"_since\",\"valueInstant\":\"2000-01-01T00:00:00Z\"},"
                + "{\"name\":\"_outputFormat\",\"valueString\":\"application/fhir+ndjson\"}]}";
        HttpResponse<String> kickOff = send(HttpRequest.newBuilder(URI.create(SERVER.baseUrl() + "/$export"))
                .header("Prefer", "respond-async")
                .header("Accept", TestData.FHIR_JSON)
                .header("Content-Type", TestData.FHIR_JSON)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertEquals(202, kickOff.statusCode(), kickOff.body());
        JsonNode manifest = awaitManifest(statusUrlOf(kickOff));
        assertEquals(Set.of("DetectedIssue"), outputTypes(manifest));
        assertEquals(SERVER.baseUrl() + "/$export", manifest.get("request").asText(), "a POST's URL has no query");
    }

    @Test
    void sinceExportsOnlyWhatChangedAfterItAndListsDeletions() throws Exception {
        putMedication("bulk-since-updated", "before");
        putMedication("bulk-since-deleted", "before");
        Thread.sleep(20);
        Instant since = Instant.now();
        Thread.sleep(20);
        putMedication("bulk-since-updated", "after");
        assertEquals(200, send(SERVER.request("/Medication/bulk-since-deleted").DELETE()).statusCode());

        JsonNode manifest = awaitManifest(statusUrlOf(kickOff(SERVER.baseUrl(), "/$export?_since=" + since)));

        assertEquals(Set.of("Medication", "Provenance"), outputTypes(manifest),
                "nothing else changed after " + since + " (each write stored its Provenance)");
        List<String> provenances = download(urlOf(manifest, "Provenance"));
        assertEquals(Set.of("Medication/bulk-since-updated/_history/2", "Medication/bulk-since-deleted/_history/2"),
                provenances.stream().map(line -> TestData.parser().parseResource(Provenance.class, line)
                        .getTargetFirstRep().getReference()).collect(Collectors.toSet()),
                "the Provenances of the update and the deletion");
        List<String> lines = download(urlOf(manifest, "Medication"));
        assertEquals(1, lines.size(), lines.toString());
        Medication updated = TestData.parser().parseResource(Medication.class, lines.get(0));
        assertEquals("bulk-since-updated", updated.getIdElement().getIdPart());
        assertEquals("2", updated.getMeta().getVersionId(), "the version current at transactionTime");
        assertTrue(Instant.parse(manifest.get("transactionTime").asText()).isAfter(since));

        assertEquals(1, manifest.get("deleted").size(), manifest.toString());
        JsonNode deletedFile = manifest.get("deleted").get(0);
        assertEquals("Bundle", deletedFile.get("type").asText());
        List<String> deletions = download(deletedFile.get("url").asText());
        assertEquals(1, deletions.size());
        Bundle bundle = TestData.parser().parseResource(Bundle.class, deletions.get(0));
        assertEquals(Bundle.BundleType.TRANSACTION, bundle.getType());
        assertEquals(Bundle.HTTPVerb.DELETE, bundle.getEntryFirstRep().getRequest().getMethod());
        assertEquals("Medication/bulk-since-deleted", bundle.getEntryFirstRep().getRequest().getUrl());

        JsonNode none = awaitManifest(statusUrlOf(kickOff(SERVER.baseUrl(), "/$export?_since="
                + manifest.get("transactionTime").asText())));
        assertEquals(0, none.get("output").size(), "nothing changed after the previous transactionTime: " + none);
    }

    @Test
    void everyNdjsonOutputFormatIsAcceptedAndOthersAre400() throws Exception {
        for (String format : List.of("application/fhir+ndjson", "application/ndjson", "ndjson")) {
            HttpResponse<String> accepted = kickOff(SERVER.baseUrl(), "/$export?_type=Basic&_outputFormat="
                    + URLEncoder.encode(format, StandardCharsets.UTF_8));
            assertEquals(202, accepted.statusCode(), format + ": " + accepted.body());
            delete(statusUrlOf(accepted));
        }
        HttpResponse<String> unencodedPlus = kickOff(SERVER.baseUrl(), "/$export?_type=Basic"
                + "&_outputFormat=application/fhir+ndjson");
        assertEquals(202, unencodedPlus.statusCode(), "'+' arrives as a space: " + unencodedPlus.body());
        delete(statusUrlOf(unencodedPlus));

        for (String format : List.of("application/fhir+json", "text/csv", "application/fhir+xml")) {
            HttpResponse<String> refused = kickOff(SERVER.baseUrl(), "/$export?_outputFormat="
                    + URLEncoder.encode(format, StandardCharsets.UTF_8));
            assertEquals(400, refused.statusCode(), format);
            assertTrue(errorText(refused).contains("_outputFormat"), refused.body());
        }
    }

    @Test
    void missingPreferRespondAsyncIs400() throws Exception {
        HttpResponse<String> response = send(SERVER.request("/$export").header("Accept", TestData.FHIR_JSON).GET());
        assertEquals(400, response.statusCode(), response.body());
        assertTrue(errorText(response).contains("Prefer: respond-async"), response.body());

        HttpResponse<String> typeLevel = send(SERVER.request("/Medication/$export").GET());
        assertEquals(400, typeLevel.statusCode(), typeLevel.body());
    }

    @Test
    void parametersTheServerCannotHonourAre400UnlessLenient() throws Exception {
        for (String query : List.of("_type=Patient", "_type=Medication,NoSuchType", "_since=2024-01-01",
                "_since=yesterday",
                "_typeFilter=" + URLEncoder.encode("Medication?status=active", StandardCharsets.UTF_8),
                "_elements=id", "includeAssociatedData=LatestProvenanceResources")) {
            HttpResponse<String> response = kickOff(SERVER.baseUrl(), "/$export?" + query);
            assertEquals(400, response.statusCode(), query + ": " + response.body());
            assertOperationOutcome(response);
        }
        HttpResponse<String> typeLevel = kickOff(SERVER.baseUrl(), "/Medication/$export?_type=Basic");
        assertEquals(400, typeLevel.statusCode(), "a type-level export exports its own type only");

        HttpResponse<String> lenient = send(SERVER.request("/$export?_type=Basic,Patient&_elements=id")
                .header("Prefer", "respond-async, handling=lenient").GET());
        assertEquals(202, lenient.statusCode(), lenient.body());
        JsonNode manifest = awaitManifest(statusUrlOf(lenient));
        assertEquals(Set.of("Basic"), outputTypes(manifest));
        assertEquals(1, manifest.get("error").size(), manifest.toString());
        List<String> notes = download(manifest.get("error").get(0).get("url").asText());
        assertEquals(2, notes.size(), "one OperationOutcome per ignored parameter: " + notes);
        String all = String.join("\n", notes);
        assertTrue(all.contains("Patient") && all.contains("_elements"), all);
    }

    // ------------------------------------------------------------------------------------------------ levels

    @Test
    void typeLevelExportExportsThatTypeOnly() throws Exception {
        HttpResponse<String> kickOff = kickOff(SERVER.baseUrl(), "/Medication/$export");
        assertEquals(202, kickOff.statusCode(), kickOff.body());
        JsonNode manifest = awaitManifest(statusUrlOf(kickOff));
        assertEquals(SERVER.baseUrl() + "/Medication/$export", manifest.get("request").asText());
        assertEquals(Set.of("Medication"), outputTypes(manifest));
        List<String> lines = download(manifest.get("output").get(0).get("url").asText());
        Set<String> ids = lines.stream().map(l -> TestData.parser().parseResource(l).getIdElement().getIdPart())
                .collect(Collectors.toSet());
        assertEquals(currentIds("Medication"), ids);
    }

    @Test
    void instanceLevelExportHoldsTheResourceAndEverythingItReferencesTransitively() throws Exception {
        String focus = "MedicationKnowledge/baclofen-10mg-tablet";
        HttpResponse<String> kickOff = kickOff(SERVER.baseUrl(), "/" + focus + "/$export");
        assertEquals(202, kickOff.statusCode(), kickOff.body());
        JsonNode manifest = awaitManifest(statusUrlOf(kickOff));
        assertEquals(0, manifest.get("error").size(), "every reference of the content resolves: " + manifest);

        Map<String, IBaseResource> exported = new LinkedHashMap<>();
        for (JsonNode item : manifest.get("output")) {
            for (String line : download(item.get("url").asText())) {
                IBaseResource resource = TestData.parser().parseResource(line);
                exported.put(resource.fhirType() + "/" + resource.getIdElement().getIdPart(), resource);
            }
        }
        assertTrue(exported.containsKey(focus), exported.keySet().toString());
        assertTrue(exported.containsKey("Medication/baclofen-10mg-tablet"), exported.keySet().toString());
        Set<String> dangling = new TreeSet<>();
        for (IBaseResource resource : exported.values()) {
            for (String target : localReferences(resource)) {
                if (!exported.containsKey(target)) {
                    dangling.add(resource.getIdElement().toUnqualifiedVersionless() + " -> " + target);
                }
            }
        }
        assertEquals(Set.of(), dangling, "the export is closed under references");
        assertTrue(exported.containsKey("Basic/formulary-item-baclofen-10mg-tablet"),
                "resources that refer to the focus are exported: " + exported.keySet());
        for (IBaseResource resource : exported.values()) {
            String id = resource.getIdElement().toUnqualifiedVersionless().getValue();
            if (resource.fhirType().equals("MedicinalProductUndesirableEffect")) {
                assertTrue(localReferences(resource).contains(focus),
                        id + " is only exported because it refers to the focus, not to something else exported");
            }
        }
        assertFalse(exported.containsKey("Basic/formulary-item-baclofen-20mg-tablet"),
                "referrers of what is reached (the formulary's other items) are not followed");

        JsonNode onlyMedications = awaitManifest(statusUrlOf(kickOff(SERVER.baseUrl(), "/" + focus
                + "/$export?_type=Medication")));
        assertEquals(Set.of("Medication"), outputTypes(onlyMedications));
        assertEquals(exported.keySet().stream().filter(k -> k.startsWith("Medication/")).count(),
                countOf(onlyMedications, "Medication"), "_type filters what is written, not what is followed");
    }

    @Test
    void formularyExportHoldsItsItemsTheirDrugsAndThePlansThatCoverIt() throws Exception {
        String formulary = "InsurancePlan/formulary-hospital";
        JsonNode manifest = awaitManifest(statusUrlOf(kickOff(SERVER.baseUrl(), "/" + formulary + "/$export")));
        assertEquals(0, manifest.get("error").size(), manifest.toString());
        Set<String> exported = new TreeSet<>();
        for (JsonNode item : manifest.get("output")) {
            for (String line : download(item.get("url").asText())) {
                IBaseResource resource = TestData.parser().parseResource(line);
                exported.add(resource.getIdElement().toUnqualifiedVersionless().getValue());
            }
        }
        Set<String> items = new TreeSet<>();
        for (String id : currentIds("Basic")) {
            Basic basic = SERVER.client().read().resource(Basic.class).withId(id).execute();
            if (localReferences(basic).contains(formulary)) {
                items.add("Basic/" + id);
                assertTrue(exported.contains(basic.getSubject().getReference()), "the item's drug " + basic.getSubject()
                        .getReference() + " is exported: " + exported);
            }
        }
        assertEquals(14, items.size(), "the content's FormularyItems: " + items);
        assertTrue(exported.containsAll(items), "every FormularyItem of the formulary is exported: " + exported);
        assertTrue(exported.contains("InsurancePlan/payer-plan-hospital"), "the plan that covers it: " + exported);
        assertTrue(exported.contains("Location/formulary-service-area"), "what the plan references: " + exported);
        assertFalse(exported.contains("Basic/muscle-relaxant-comparison"), "not part of the formulary: " + exported);

        Basic late = SERVER.client().read().resource(Basic.class).withId("formulary-item-tizanidine-2mg-tablet")
                .execute();
        Instant since = Instant.now();
        Thread.sleep(20);
        late.getExtensionByUrl("http://hl7.org/fhir/us/davinci-drug-formulary/StructureDefinition/"
                + "usdf-PriorAuthorization-extension").setValue(new BooleanType(true));
        assertEquals("2", SERVER.client().update().resource(late).execute().getId().getVersionIdPart());
        JsonNode changed = awaitManifest(statusUrlOf(kickOff(SERVER.baseUrl(), "/" + formulary + "/$export?_since="
                + since)));
        assertEquals(Map.of("Basic", 1L), counts(changed), "only the item changed since " + since + ": " + changed);
    }

    @Test
    void instanceLevelExportReportsReferencesItCannotFollowAndDeletionsSince() throws Exception {
        putMedication("bulk-ref-kept", "kept");
        putMedication("bulk-ref-gone", "gone");
        DetectedIssue issue = TestData.content(DetectedIssue.class, "diazepam-dependence");
        issue.setId("bulk-ref-issue");
        issue.getImplicated().clear();
        issue.addImplicated(new Reference("Medication/bulk-ref-kept"));
        issue.addImplicated(new Reference("Medication/bulk-ref-gone"));
        issue.addImplicated(new Reference("Medication/bulk-ref-never"));
        HttpResponse<String> put = send(SERVER.request("/DetectedIssue/bulk-ref-issue")
                .header("Content-Type", TestData.FHIR_JSON)
                .PUT(HttpRequest.BodyPublishers.ofString(TestData.parser().encodeResourceToString(issue))));
        assertEquals(201, put.statusCode(), put.body());
        Thread.sleep(20);
        Instant since = Instant.now();
        Thread.sleep(20);
        assertEquals(200, send(SERVER.request("/Medication/bulk-ref-gone").DELETE()).statusCode());

        JsonNode all = awaitManifest(statusUrlOf(kickOff(SERVER.baseUrl(), "/DetectedIssue/bulk-ref-issue/$export")));
        assertEquals(Map.of("DetectedIssue", 1L, "Medication", 1L, "DocumentReference", 1L), counts(all));
        assertEquals(0, all.get("deleted").size(), "no _since, no deletions: " + all);
        assertEquals(1, all.get("error").size(), all.toString());
        List<String> warnings = download(all.get("error").get(0).get("url").asText());
        assertEquals(2, warnings.size(), warnings.toString());
        for (String warning : warnings) {
            OperationOutcome oo = TestData.parser().parseResource(OperationOutcome.class, warning);
            assertEquals(IssueSeverity.WARNING, oo.getIssueFirstRep().getSeverity());
        }
        String text = String.join("\n", warnings);
        assertTrue(text.contains("Medication/bulk-ref-gone, which was deleted"), text);
        assertTrue(text.contains("Medication/bulk-ref-never, which does not exist"), text);

        JsonNode changed = awaitManifest(statusUrlOf(kickOff(SERVER.baseUrl(),
                "/DetectedIssue/bulk-ref-issue/$export?_since=" + since)));
        assertEquals(0, changed.get("output").size(), "nothing it reaches changed after " + since + ": " + changed);
        assertEquals(1, changed.get("deleted").size(), changed.toString());
        Bundle deletion = TestData.parser().parseResource(Bundle.class,
                download(changed.get("deleted").get(0).get("url").asText()).get(0));
        assertEquals("Medication/bulk-ref-gone", deletion.getEntryFirstRep().getRequest().getUrl());
    }

    @Test
    void instanceLevelExportOfAMissingResourceIs404() throws Exception {
        HttpResponse<String> response = kickOff(SERVER.baseUrl(), "/MedicationKnowledge/no-such-monograph/$export");
        assertEquals(404, response.statusCode(), response.body());
        assertOperationOutcome(response);
    }

    // ------------------------------------------------------------------------------------------------ status

    @Test
    void deleteCancelsTheJobRemovesItsFilesAndThenPollingIs404() throws Exception {
        HttpResponse<String> kickOff = kickOff(SERVER.baseUrl(), "/$export");
        String statusUrl = statusUrlOf(kickOff);
        String jobId = statusUrl.substring(statusUrl.indexOf("_jobId=") + "_jobId=".length());

        HttpResponse<String> cancelled = delete(statusUrl);
        assertEquals(202, cancelled.statusCode(), cancelled.body());
        assertOperationOutcome(cancelled);

        HttpResponse<String> poll = get(statusUrl);
        assertEquals(404, poll.statusCode(), poll.body());
        assertEquals(OperationOutcome.IssueType.NOTFOUND, assertOperationOutcome(poll).getIssueFirstRep().getCode());
        assertFalse(Files.exists(SERVER.exportDir().resolve(jobId)), "the job's folder is gone");
        assertEquals(404, delete(statusUrl).statusCode(), "a deleted job cannot be deleted again");

        // A finished job is deleted the same way, files included.
        String finished = statusUrlOf(kickOff(SERVER.baseUrl(), "/$export?_type=Basic"));
        String fileUrl = awaitManifest(finished).get("output").get(0).get("url").asText();
        assertEquals(200, get(fileUrl).statusCode());
        assertEquals(202, delete(finished).statusCode());
        assertEquals(404, get(finished).statusCode());
        assertEquals(404, get(fileUrl).statusCode());
    }

    @Test
    void unknownOrMissingJobIdAnswersWithAnOperationOutcome() throws Exception {
        HttpResponse<String> unknown = get(SERVER.baseUrl() + "/$export-poll-status?_jobId=" + UUID.randomUUID());
        assertEquals(404, unknown.statusCode(), unknown.body());
        assertOperationOutcome(unknown);
        HttpResponse<String> garbage = get(SERVER.baseUrl() + "/$export-poll-status?_jobId=not-a-job");
        assertEquals(404, garbage.statusCode(), garbage.body());
        HttpResponse<String> missing = get(SERVER.baseUrl() + "/$export-poll-status");
        assertEquals(400, missing.statusCode(), missing.body());
        assertOperationOutcome(missing);
    }

    @Test
    void capabilityStatementListsTheExportOperations() throws Exception {
        HttpResponse<String> response = SERVER.get("/metadata");
        CapabilityStatement cs = TestData.parser().parseResource(CapabilityStatement.class, response.body());
        assertTrue(cs.getInstantiates().stream()
                .anyMatch(i -> i.getValue().equals("http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data")));
        Map<String, String> system = new TreeMap<>();
        cs.getRestFirstRep().getOperation().forEach(o -> system.put(o.getName(), o.getDefinition()));
        assertEquals("http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export", system.get("export"));
        assertTrue(system.containsKey("export-poll-status"), system.toString());
        assertTrue(system.containsKey("export-download"), system.toString());
        for (String type : searchableTypes()) {
            assertTrue(cs.getRestFirstRep().getResource().stream()
                    .filter(r -> r.getType().equals(type))
                    .flatMap(r -> r.getOperation().stream())
                    .anyMatch(o -> o.getName().equals("export")), type + " lists $export");
        }
    }

    // ------------------------------------------------------------------------------------------------ restart

    @Test
    void jobsSurviveARestart(@TempDir Path dir) throws Exception {
        String dbUrl = "jdbc:h2:file:" + dir.resolve("db").toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE";
        Path exportDir = dir.resolve("export");
        Settings settings = Settings.forDatabase(dbUrl).withExportDir(exportDir);
        String finishedJob;
        String resumedJob;
        JsonNode finishedBefore;
        String medicationsBefore;
        try (FormularyServer first = FormularyServer.start(settings)) {
            String finishedUrl = statusUrlOf(kickOff(first.baseUrl(), "/$export"));
            finishedBefore = awaitManifest(finishedUrl);
            medicationsBefore = String.join("\n", download(urlOf(finishedBefore, "Medication")));
            finishedJob = jobIdOf(finishedUrl);
            resumedJob = jobIdOf(statusUrlOf(kickOff(first.baseUrl(), "/$export?_type=Medication,Basic")));
            awaitManifest(first.baseUrl() + "/$export-poll-status?_jobId=" + resumedJob);
        }
        // Simulate crashes: the second job was still running (its files half written and not yet listed), and a
        // third job has already been interrupted as often as the server retries.
        String givenUpJob = UUID.randomUUID().toString();
        try (Connection c = DriverManager.getConnection(dbUrl, "sa", "");
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE export_job SET status = 'in-progress', finished_at = NULL WHERE job_id = '"
                    + resumedJob + "'");
            s.executeUpdate("DELETE FROM export_file WHERE job_id = '" + resumedJob + "' AND res_type = 'Medication'");
            Files.writeString(exportDir.resolve(resumedJob).resolve("Medication.ndjson"), "{\"half\":");
            try (PreparedStatement copy = c.prepareStatement("INSERT INTO export_job (job_id, status, request_url,"
                    + " base_url, res_types, transaction_time, attempts, created_at) SELECT ?, 'in-progress',"
                    + " request_url, base_url, res_types, transaction_time, 3, created_at FROM export_job"
                    + " WHERE job_id = ?")) {
                copy.setString(1, givenUpJob);
                copy.setString(2, resumedJob);
                assertEquals(1, copy.executeUpdate());
            }
        }

        try (FormularyServer second = FormularyServer.start(settings)) {
            JsonNode finishedAfter = awaitManifest(second.baseUrl() + "/$export-poll-status?_jobId=" + finishedJob);
            assertEquals(finishedBefore.get("transactionTime"), finishedAfter.get("transactionTime"));
            assertEquals(counts(finishedBefore), counts(finishedAfter));
            String url = urlOf(finishedAfter, "Medication");
            assertTrue(url.startsWith(second.baseUrl() + "/"), "file URLs follow the server's new address: " + url);
            assertEquals(medicationsBefore, String.join("\n", download(url)), "the same file after the restart");

            JsonNode resumed = awaitManifest(second.baseUrl() + "/$export-poll-status?_jobId=" + resumedJob);
            assertEquals(Set.of("Medication", "Basic"), outputTypes(resumed), resumed.toString());
            assertEquals(medicationsBefore, String.join("\n", download(urlOf(resumed, "Medication"))),
                    "the resumed job rewrote the interrupted file as of its transactionTime");
            assertEquals(0, resumed.get("error").size(), resumed.toString());

            JsonNode givenUp = awaitManifest(second.baseUrl() + "/$export-poll-status?_jobId=" + givenUpJob);
            assertEquals(1, givenUp.get("error").size(), givenUp.toString());
            String failure = String.join("\n", download(givenUp.get("error").get(0).get("url").asText()));
            OperationOutcome oo = TestData.parser().parseResource(OperationOutcome.class, failure);
            assertEquals(IssueSeverity.ERROR, oo.getIssueFirstRep().getSeverity());
            assertTrue(oo.getIssueFirstRep().getDiagnostics().contains("interrupted"), failure);
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static HttpResponse<String> kickOff(String base, String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Prefer", "respond-async")
                .header("Accept", TestData.FHIR_JSON)
                .GET());
    }

    private static String statusUrlOf(HttpResponse<String> kickOff) {
        assertEquals(202, kickOff.statusCode(), kickOff.body());
        return kickOff.headers().firstValue("Content-Location").orElseThrow();
    }

    private static String jobIdOf(String statusUrl) {
        return statusUrl.substring(statusUrl.indexOf("_jobId=") + "_jobId=".length());
    }

    /** Polls {@code statusUrl} until the manifest comes; every 202 on the way must carry X-Progress. */
    private static JsonNode awaitManifest(String statusUrl) throws Exception {
        long deadline = System.currentTimeMillis() + POLL_TIMEOUT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            HttpResponse<String> poll = send(HttpRequest.newBuilder(URI.create(statusUrl))
                    .header("Accept", "application/json").GET());
            if (poll.statusCode() == 200) {
                assertTrue(poll.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
                return JSON.readTree(poll.body());
            }
            assertEquals(202, poll.statusCode(), poll.body());
            assertTrue(poll.headers().firstValue("X-Progress").isPresent(), "X-Progress while running");
            assertTrue(poll.headers().firstValue("Retry-After").isPresent(), "Retry-After while running");
            Thread.sleep(50);
        }
        return fail("no manifest at " + statusUrl + " within " + POLL_TIMEOUT_MILLIS + " ms");
    }

    /** The lines of an NDJSON file, each a whole resource. */
    private static List<String> download(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("Accept", NDJSON).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), url + ": " + response.body());
        assertEquals(NDJSON, response.headers().firstValue("Content-Type").orElse(""));
        return response.body().lines().filter(l -> !l.isEmpty()).toList();
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    private static HttpResponse<String> delete(String url) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(url)).DELETE());
    }

    private static OperationOutcome assertOperationOutcome(HttpResponse<String> response) {
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith(TestData.FHIR_JSON),
                response.headers().toString());
        return TestData.parser().parseResource(OperationOutcome.class, response.body());
    }

    private static String errorText(HttpResponse<String> response) {
        return assertOperationOutcome(response).getIssue().stream()
                .map(OperationOutcome.OperationOutcomeIssueComponent::getDiagnostics).collect(Collectors.joining(" "));
    }

    private static Set<String> outputTypes(JsonNode manifest) {
        Set<String> types = new HashSet<>();
        manifest.get("output").forEach(item -> types.add(item.get("type").asText()));
        return types;
    }

    private static Map<String, Long> counts(JsonNode manifest) {
        Map<String, Long> counts = new TreeMap<>();
        manifest.get("output").forEach(item -> counts.put(item.get("type").asText(), item.get("count").asLong()));
        return counts;
    }

    private static long countOf(JsonNode manifest, String type) {
        return counts(manifest).getOrDefault(type, 0L);
    }

    private static String urlOf(JsonNode manifest, String type) {
        for (JsonNode item : manifest.get("output")) {
            if (item.get("type").asText().equals(type)) {
                return item.get("url").asText();
            }
        }
        return fail("no " + type + " file in " + manifest);
    }

    /** The error and fatal issues $validate reports for {@code json}. */
    private static List<String> validationErrors(String type, String json) throws Exception {
        HttpResponse<String> response = send(SERVER.request("/" + type + "/$validate")
                .header("Content-Type", TestData.FHIR_JSON)
                .header("Accept", TestData.FHIR_JSON)
                .POST(HttpRequest.BodyPublishers.ofString(json)));
        assertEquals(200, response.statusCode(), response.body());
        OperationOutcome oo = TestData.parser().parseResource(OperationOutcome.class, response.body());
        return oo.getIssue().stream()
                .filter(i -> i.getSeverity() == IssueSeverity.ERROR || i.getSeverity() == IssueSeverity.FATAL)
                .map(i -> type + ": " + i.getDiagnostics())
                .toList();
    }

    /** The types the CapabilityStatement says are searchable: the server's own resource types. */
    private static List<String> searchableTypes() throws Exception {
        CapabilityStatement cs = TestData.parser().parseResource(CapabilityStatement.class,
                SERVER.get("/metadata").body());
        return cs.getRestFirstRep().getResource().stream()
                .filter(r -> r.getInteraction().stream()
                        .anyMatch(i -> i.getCode() == CapabilityStatement.TypeRestfulInteraction.SEARCHTYPE))
                .map(CapabilityStatement.CapabilityStatementRestResourceComponent::getType)
                .toList();
    }

    /** The ids of the current resources of {@code type}, by search, following every next link. */
    private static Set<String> currentIds(String type) throws Exception {
        Set<String> ids = new TreeSet<>();
        String url = SERVER.baseUrl() + "/" + type + "?_count=500";
        while (url != null) {
            HttpResponse<String> page = send(HttpRequest.newBuilder(URI.create(url))
                    .header("Accept", TestData.FHIR_JSON).GET());
            assertEquals(200, page.statusCode(), page.body());
            Bundle bundle = TestData.parser().parseResource(Bundle.class, page.body());
            bundle.getEntry().forEach(e -> ids.add(e.getResource().getIdElement().getIdPart()));
            url = bundle.getLink("next") == null ? null : bundle.getLink("next").getUrl();
        }
        return ids;
    }

    private static void putMedication(String id, String text) throws Exception {
        Medication medication = TestData.markedMedication(id, "bulk");
        medication.getCode().setText("Test drug " + id + " " + text);
        HttpResponse<String> response = send(SERVER.request("/Medication/" + id)
                .header("Content-Type", TestData.FHIR_JSON)
                .PUT(HttpRequest.BodyPublishers.ofString(TestData.parser().encodeResourceToString(medication))));
        assertTrue(response.statusCode() == 200 || response.statusCode() == 201, response.body());
    }

    /** The {@code Type/id} targets of {@code resource}'s relative references. */
    private static Set<String> localReferences(IBaseResource resource) {
        Set<String> targets = new TreeSet<>();
        for (IBaseReference reference : SERVER.clientContext().newTerser()
                .getAllPopulatedChildElementsOfType(resource, IBaseReference.class)) {
            IIdType id = reference.getReferenceElement();
            if (id != null && id.hasResourceType() && id.hasIdPart() && !id.isAbsolute() && !id.isLocal()) {
                targets.add(id.getResourceType() + "/" + id.getIdPart());
            }
        }
        return targets;
    }
}
