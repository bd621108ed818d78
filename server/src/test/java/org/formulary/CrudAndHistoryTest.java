package org.formulary;

import static org.formulary.TestData.FHIR_JSON;
import static org.formulary.TestData.FHIR_XML;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ca.uhn.fhir.parser.IParser;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Medication;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The RESTful CRUD interactions and the version history, against the real server over HTTP: create, read, vread,
 * update (including create-on-update, no-op updates and If-Match), delete, instance/type/system {@code _history}
 * with {@code _since} and {@code _count} paging, and XML in both directions.
 */
@Tag(FormularyServerExtension.ALSO_ON_POSTGRESQL)
class CrudAndHistoryTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    private static final DateTimeFormatter SINCE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    // ---------------------------------------------------------------------------------------------------- create

    @Test
    void createAssignsServerIdVersionOneAndReturnsTheResource() throws Exception {
        String clientId = "client-chosen-" + shortId();
        Medication medication = medication("create test");
        medication.setId(clientId);

        HttpResponse<String> response = post("/Medication", json(medication));

        assertEquals(201, response.statusCode(), response.body());
        Medication created = parse(response, Medication.class);
        String id = created.getIdElement().getIdPart();
        assertNotNull(id, "the returned resource carries its id");
        assertNotEquals(clientId, id, "create ignores the id in the body and assigns its own");
        assertEquals("1", created.getMeta().getVersionId());
        assertNotNull(created.getMeta().getLastUpdated());
        assertEquals("create test", created.getCode().getText(), "the body holds the stored resource");

        String location = header(response, "Location").orElseThrow(() -> new AssertionError("no Location header"));
        assertTrue(Pattern.compile("/Medication/" + Pattern.quote(id) + "/_history/1$").matcher(location).find(),
                "Location names the new id and version 1: " + location);
        assertEquals("W/\"1\"", header(response, "ETag").orElse(null));

        assertEquals(404, get("/Medication/" + clientId).statusCode(), "nothing is stored under the client's id");
        HttpResponse<String> read = get("/Medication/" + id);
        assertEquals(200, read.statusCode(), read.body());
        assertEquals("create test", parse(read, Medication.class).getCode().getText());
    }

    // ------------------------------------------------------------------------------------------------------ read

    @Test
    void readReturnsETagAndLastModifiedFromMeta() throws Exception {
        String id = create(medication("read test")).getIdElement().getIdPart();
        update(id, "read test v2");

        HttpResponse<String> response = get("/Medication/" + id);

        assertEquals(200, response.statusCode(), response.body());
        Medication read = parse(response, Medication.class);
        assertEquals("2", read.getMeta().getVersionId());
        assertEquals("W/\"" + read.getMeta().getVersionId() + "\"", header(response, "ETag").orElse(null));
        String lastModified = header(response, "Last-Modified")
                .orElseThrow(() -> new AssertionError("no Last-Modified header"));
        Instant httpDate = ZonedDateTime.parse(lastModified, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        assertEquals(read.getMeta().getLastUpdated().toInstant().truncatedTo(ChronoUnit.SECONDS), httpDate,
                "Last-Modified equals meta.lastUpdated to the second");
    }

    @Test
    void readOfUnknownIdIs404() throws Exception {
        HttpResponse<String> response = get("/Medication/does-not-exist-" + shortId());
        assertEquals(404, response.statusCode(), response.body());
        assertEquals("OperationOutcome", parseAny(response).fhirType());
    }

    @Test
    void conditionalReadWithCurrentETagIsNotModified() throws Exception {
        String id = create(medication("conditional read")).getIdElement().getIdPart();

        HttpResponse<String> notModified = send(SERVER.request("/Medication/" + id)
                .header("Accept", FHIR_JSON).header("If-None-Match", "W/\"1\"").GET());
        assertEquals(304, notModified.statusCode(), notModified.body());
        assertTrue(notModified.body().isEmpty(), "a 304 has no body");

        update(id, "conditional read v2");
        HttpResponse<String> changed = send(SERVER.request("/Medication/" + id)
                .header("Accept", FHIR_JSON).header("If-None-Match", "W/\"1\"").GET());
        assertEquals(200, changed.statusCode(), "a stale If-None-Match gets the current version");
        assertEquals("2", parse(changed, Medication.class).getMeta().getVersionId());
    }

    @Test
    void vreadReturnsOldContentAfterUpdate() throws Exception {
        String id = create(medication("version one")).getIdElement().getIdPart();
        update(id, "version two");

        HttpResponse<String> v1 = get("/Medication/" + id + "/_history/1");
        assertEquals(200, v1.statusCode(), v1.body());
        Medication old = parse(v1, Medication.class);
        assertEquals("version one", old.getCode().getText());
        assertEquals("1", old.getMeta().getVersionId());
        assertEquals("W/\"1\"", header(v1, "ETag").orElse(null));

        HttpResponse<String> v2 = get("/Medication/" + id + "/_history/2");
        assertEquals(200, v2.statusCode(), v2.body());
        assertEquals("version two", parse(v2, Medication.class).getCode().getText());

        assertEquals(404, get("/Medication/" + id + "/_history/3").statusCode(), "a version that never existed");
    }

    // ---------------------------------------------------------------------------------------------------- update

    @Test
    void updateCreatesVersionTwo() throws Exception {
        Medication created = create(medication("before update"));
        String id = created.getIdElement().getIdPart();
        created.getCode().setText("after update");

        HttpResponse<String> response = put("/Medication/" + id, json(created));

        assertEquals(200, response.statusCode(), response.body());
        Medication updated = parse(response, Medication.class);
        assertEquals("2", updated.getMeta().getVersionId());
        assertEquals("after update", updated.getCode().getText());
        assertEquals("W/\"2\"", header(response, "ETag").orElse(null));
        assertEquals("after update", read(id).getCode().getText());
    }

    @Test
    void updateOfUnknownIdCreatesTheResource() throws Exception {
        String id = "put-created-" + shortId();
        Medication medication = medication("create on update");
        medication.setId(id);

        HttpResponse<String> response = put("/Medication/" + id, json(medication));

        assertEquals(201, response.statusCode(), response.body());
        Medication created = parse(response, Medication.class);
        assertEquals(id, created.getIdElement().getIdPart(), "the client's id is kept on create-on-update");
        assertEquals("1", created.getMeta().getVersionId());
        assertEquals("W/\"1\"", header(response, "ETag").orElse(null));
        // The spec has the server SHOULD (not SHALL) send Location on a 201 from update; this server sends
        // Content-Location instead, so only its value is checked here.
        header(response, "Location").or(() -> header(response, "Content-Location")).ifPresent(location ->
                assertTrue(location.endsWith("/Medication/" + id + "/_history/1"), location));
        assertEquals("create on update", read(id).getCode().getText());
    }

    /**
     * What the server does with an update whose content equals the current version: it stores nothing and answers
     * 200 with the current version (same versionId, same ETag, same lastUpdated).
     */
    @Test
    void updateWithIdenticalContentCreatesNoVersion() throws Exception {
        String id = create(medication("identical")).getIdElement().getIdPart();
        Medication current = update(id, "identical v2");
        Thread.sleep(5);

        HttpResponse<String> response = put("/Medication/" + id, json(current));

        assertEquals(200, response.statusCode(), response.body());
        Medication returned = parse(response, Medication.class);
        assertEquals("2", returned.getMeta().getVersionId(), "the current version is returned");
        assertEquals(current.getMeta().getLastUpdated(), returned.getMeta().getLastUpdated());
        assertEquals("W/\"2\"", header(response, "ETag").orElse(null));
        Bundle history = history("/Medication/" + id + "/_history");
        assertEquals(2, history.getTotal());
        assertEquals(List.of(2L, 1L), versionIds(history));
        assertEquals(404, get("/Medication/" + id + "/_history/3").statusCode());
    }

    @Test
    void ifMatchWithStaleVersionIs412AndChangesNothing() throws Exception {
        String id = create(medication("if-match base")).getIdElement().getIdPart();
        Medication current = update(id, "if-match v2");
        Medication attempt = current.copy();
        attempt.getCode().setText("if-match stale attempt");

        HttpResponse<String> response = put("/Medication/" + id, json(attempt), "If-Match", "W/\"1\"");

        assertEquals(412, response.statusCode(), response.body());
        assertEquals("OperationOutcome", parseAny(response).fhirType());
        Medication after = read(id);
        assertEquals("2", after.getMeta().getVersionId());
        assertEquals("if-match v2", after.getCode().getText());
        assertEquals(2, history("/Medication/" + id + "/_history").getTotal());
    }

    @Test
    void ifMatchWithCurrentVersionUpdates() throws Exception {
        String id = create(medication("if-match ok")).getIdElement().getIdPart();
        Medication current = update(id, "if-match ok v2");
        current.getCode().setText("if-match ok v3");

        HttpResponse<String> response = put("/Medication/" + id, json(current), "If-Match", "W/\"2\"");

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("3", parse(response, Medication.class).getMeta().getVersionId());
        assertEquals("W/\"3\"", header(response, "ETag").orElse(null));
        assertEquals("if-match ok v3", read(id).getCode().getText());
    }

    @Test
    void updateWithIdMismatchIsRejected() throws Exception {
        String id = create(medication("id mismatch")).getIdElement().getIdPart();
        Medication other = medication("id mismatch other");
        other.setId("some-other-id-" + shortId());

        HttpResponse<String> response = put("/Medication/" + id, json(other));

        assertEquals(400, response.statusCode(), response.body());
        assertEquals("1", read(id).getMeta().getVersionId());
    }

    // ---------------------------------------------------------------------------------------------------- delete

    @Test
    void deleteThenReadIsGoneAndHistoryKeepsEverything() throws Exception {
        String id = create(medication("to delete")).getIdElement().getIdPart();
        update(id, "to delete v2");

        HttpResponse<String> deleted = delete("/Medication/" + id);

        assertTrue(deleted.statusCode() == 200 || deleted.statusCode() == 204,
                "delete answers 200 or 204, was " + deleted.statusCode() + ": " + deleted.body());
        if (deleted.statusCode() == 200 && !deleted.body().isBlank()) {
            assertEquals("OperationOutcome", parseAny(deleted).fhirType());
        }

        HttpResponse<String> gone = get("/Medication/" + id);
        assertEquals(410, gone.statusCode(), gone.body());

        HttpResponse<String> predecessor = get("/Medication/" + id + "/_history/2");
        assertEquals(200, predecessor.statusCode(), "vread of the version before the deletion still works");
        assertEquals("to delete v2", parse(predecessor, Medication.class).getCode().getText());
        assertEquals(200, get("/Medication/" + id + "/_history/1").statusCode());
        assertEquals(410, get("/Medication/" + id + "/_history/3").statusCode(),
                "vread of the deletion version itself is 410 Gone");

        Bundle history = history("/Medication/" + id + "/_history");
        assertEquals(3, history.getTotal());
        assertEquals(List.of(3L, 2L, 1L), versionIds(history));
        Bundle.BundleEntryComponent deletion = history.getEntryFirstRep();
        assertEquals(Bundle.HTTPVerb.DELETE, deletion.getRequest().getMethod());
        assertFalse(deletion.hasResource(), "a deletion entry carries no resource");
        assertTrue(deletion.getRequest().getUrl().endsWith("Medication/" + id), deletion.getRequest().getUrl());
        assertEquals(Bundle.HTTPVerb.PUT, history.getEntry().get(1).getRequest().getMethod());
        assertEquals(Bundle.HTTPVerb.POST, history.getEntry().get(2).getRequest().getMethod());

        assertFalse(searchIds("/Medication?_id=" + id).contains(id), "a deleted resource is not found by search");
    }

    @Test
    void deleteOfUnknownIdSucceedsAndCreatesNothing() throws Exception {
        String id = "never-existed-" + shortId();

        HttpResponse<String> response = delete("/Medication/" + id);

        assertTrue(response.statusCode() == 200 || response.statusCode() == 204,
                "deleting a resource that does not exist is not an error, was " + response.statusCode() + ": "
                        + response.body());
        assertEquals(404, get("/Medication/" + id).statusCode(), "still unknown, not 'gone'");
    }

    @Test
    void deletingTwiceStoresOneDeletion() throws Exception {
        String id = create(medication("delete twice")).getIdElement().getIdPart();
        assertTrue(isSuccess(delete("/Medication/" + id)));

        HttpResponse<String> again = delete("/Medication/" + id);

        assertTrue(again.statusCode() == 200 || again.statusCode() == 204, again.statusCode() + ": " + again.body());
        assertEquals(List.of(2L, 1L), versionIds(history("/Medication/" + id + "/_history")));
    }

    @Test
    void updateAfterDeleteRecreatesWithNextVersion() throws Exception {
        Medication created = create(medication("resurrect"));
        String id = created.getIdElement().getIdPart();
        assertTrue(isSuccess(delete("/Medication/" + id)));
        created.getCode().setText("resurrected");

        HttpResponse<String> response = put("/Medication/" + id, json(created));

        assertEquals(201, response.statusCode(), "an update of a deleted resource creates it again");
        assertEquals("3", parse(response, Medication.class).getMeta().getVersionId(),
                "version ids continue after the deletion");
        assertEquals(List.of(3L, 2L, 1L), versionIds(history("/Medication/" + id + "/_history")));
    }

    // --------------------------------------------------------------------------------------------------- history

    @Test
    void everyAcceptedWriteIsKeptAsContiguousVersionsNewestFirst() throws Exception {
        String id = create(medication("text 0")).getIdElement().getIdPart();
        int updates = 5;
        for (int i = 1; i <= updates; i++) {
            assertEquals(Long.toString(i + 1), update(id, "text " + i).getMeta().getVersionId());
        }

        Bundle history = history("/Medication/" + id + "/_history");

        assertEquals(Bundle.BundleType.HISTORY, history.getType());
        assertEquals(updates + 1, history.getTotal());
        assertEquals(List.of(6L, 5L, 4L, 3L, 2L, 1L), versionIds(history), "versions n..1, newest first");
        for (int i = 0; i < history.getEntry().size(); i++) {
            Bundle.BundleEntryComponent entry = history.getEntry().get(i);
            long version = updates + 1 - i;
            Medication m = (Medication) entry.getResource();
            assertEquals("text " + (version - 1), m.getCode().getText(), "content of version " + version);
            assertEquals("W/\"" + version + "\"", entry.getResponse().getEtag());
            assertEquals(version == 1 ? Bundle.HTTPVerb.POST : Bundle.HTTPVerb.PUT, entry.getRequest().getMethod());
            HttpResponse<String> vread = get("/Medication/" + id + "/_history/" + version);
            assertEquals(200, vread.statusCode());
            assertEquals("text " + (version - 1), parse(vread, Medication.class).getCode().getText());
        }
        for (int i = 1; i < history.getEntry().size(); i++) {
            Medication newer = (Medication) history.getEntry().get(i - 1).getResource();
            Medication older = (Medication) history.getEntry().get(i).getResource();
            assertFalse(newer.getMeta().getLastUpdated().before(older.getMeta().getLastUpdated()),
                    "lastUpdated never goes backwards");
        }
    }

    @Test
    void instanceHistoryOfUnknownIdIs404() throws Exception {
        assertEquals(404, get("/Medication/no-such-" + shortId() + "/_history").statusCode());
    }

    @Test
    void typeAndSystemHistoryIncludeTheChanges() throws Exception {
        Instant before = Instant.now().minusMillis(5);
        String id = create(medication("type history")).getIdElement().getIdPart();
        update(id, "type history v2");
        assertTrue(isSuccess(delete("/Medication/" + id)));
        String since = "_since=" + encode(SINCE.format(before)) + "&_count=1000";

        Bundle typeHistory = history("/Medication/_history?" + since);
        assertEquals(Bundle.BundleType.HISTORY, typeHistory.getType());
        assertEquals(List.of(3L, 2L, 1L), versionIdsOf(typeHistory, "Medication", id));
        assertNewestFirst(typeHistory);
        assertTrue(typeHistory.getEntry().stream().allMatch(e -> e.getFullUrl().contains("/Medication/")),
                "type history holds only Medication entries");

        Bundle systemHistory = history("/_history?" + since);
        assertEquals(Bundle.BundleType.HISTORY, systemHistory.getType());
        assertEquals(List.of(3L, 2L, 1L), versionIdsOf(systemHistory, "Medication", id));
        assertNewestFirst(systemHistory);

        Bundle fullTypeHistory = history("/Medication/_history?_count=1000");
        assertTrue(fullTypeHistory.getEntry().stream().anyMatch(e -> e.getFullUrl().endsWith("/baclofen-10mg-tablet")),
                "type history without _since includes the content loaded at startup");
    }

    @Test
    void sinceFiltersOutOlderVersions() throws Exception {
        String id = create(medication("since v1")).getIdElement().getIdPart();
        Medication v1 = read(id);
        Thread.sleep(30);
        Instant between = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Thread.sleep(30);
        Medication v2 = update(id, "since v2");
        update(id, "since v3");
        assertTrue(v1.getMeta().getLastUpdated().toInstant().isBefore(between), "test setup: v1 precedes the cut");
        assertTrue(v2.getMeta().getLastUpdated().toInstant().isAfter(between), "test setup: v2 follows the cut");
        String since = "_since=" + encode(SINCE.format(between));

        Bundle instance = history("/Medication/" + id + "/_history?" + since);
        assertEquals(List.of(3L, 2L), versionIds(instance));
        assertEquals(2, instance.getTotal());

        Bundle type = history("/Medication/_history?" + since + "&_count=1000");
        assertEquals(List.of(3L, 2L), versionIdsOf(type, "Medication", id));
        assertTrue(type.getEntry().stream().noneMatch(e -> e.getFullUrl().endsWith("/baclofen-10mg-tablet")),
                "startup content is older than the cut");

        Bundle system = history("/_history?" + since + "&_count=1000");
        assertEquals(List.of(3L, 2L), versionIdsOf(system, "Medication", id));
        for (Bundle.BundleEntryComponent entry : system.getEntry()) {
            assertFalse(entry.getResponse().getLastModified().toInstant().isBefore(between),
                    "every entry is at or after _since: " + entry.getFullUrl());
        }
    }

    @Test
    void countOnePagesThroughAllVersionsViaNextLinks() throws Exception {
        String id = create(medication("paging v1")).getIdElement().getIdPart();
        update(id, "paging v2");
        update(id, "paging v3");
        update(id, "paging v4");

        List<Long> seen = new ArrayList<>();
        String url = SERVER.baseUrl() + "/Medication/" + id + "/_history?_count=1";
        int pages = 0;
        while (url != null) {
            assertTrue(++pages <= 10, "paging does not end: " + seen);
            HttpResponse<String> response = SERVER.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Accept", FHIR_JSON).GET());
            assertEquals(200, response.statusCode(), url + " -> " + response.body());
            Bundle page = parse(response, Bundle.class);
            assertEquals(1, page.getEntry().size(), "each page holds exactly _count entries: " + url);
            assertEquals(4, page.getTotal(), "total counts all versions on every page");
            seen.addAll(versionIds(page));
            url = Optional.ofNullable(page.getLink("next")).map(Bundle.BundleLinkComponent::getUrl).orElse(null);
        }

        assertEquals(List.of(4L, 3L, 2L, 1L), seen, "every version once, newest first");
        assertEquals(4, pages);
    }

    @Test
    void typeHistoryPagingHasNoRepeats() throws Exception {
        Instant before = Instant.now().minusMillis(5);
        String a = create(medication("type paging a")).getIdElement().getIdPart();
        String b = create(medication("type paging b")).getIdElement().getIdPart();
        update(a, "type paging a2");
        update(b, "type paging b2");
        String url = SERVER.baseUrl() + "/Medication/_history?_count=1&_since=" + encode(SINCE.format(before));

        List<String> seen = new ArrayList<>();
        int pages = 0;
        while (url != null) {
            assertTrue(++pages <= 20, "paging does not end: " + seen);
            HttpResponse<String> response = SERVER.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Accept", FHIR_JSON).GET());
            assertEquals(200, response.statusCode(), url + " -> " + response.body());
            Bundle page = parse(response, Bundle.class);
            for (Bundle.BundleEntryComponent entry : page.getEntry()) {
                seen.add(entry.getFullUrl() + "@" + entry.getResponse().getEtag());
            }
            url = Optional.ofNullable(page.getLink("next")).map(Bundle.BundleLinkComponent::getUrl).orElse(null);
        }

        Set<String> unique = new HashSet<>(seen);
        assertEquals(seen.size(), unique.size(), "no version appears twice: " + seen);
        for (String id : List.of(a, b)) {
            for (int v = 1; v <= 2; v++) {
                String key = "/Medication/" + id + "@W/\"" + v + "\"";
                assertTrue(seen.stream().anyMatch(s -> s.endsWith(key)), "missing " + key + " in " + seen);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------- XML

    @Test
    void readAsXmlWithAcceptHeader() throws Exception {
        String id = create(medication("xml accept")).getIdElement().getIdPart();

        HttpResponse<String> response = send(SERVER.request("/Medication/" + id).header("Accept", FHIR_XML).GET());

        assertEquals(200, response.statusCode(), response.body());
        assertTrue(header(response, "Content-Type").orElse("").startsWith(FHIR_XML),
                "Content-Type: " + header(response, "Content-Type"));
        Medication m = SERVER.clientContext().newXmlParser().parseResource(Medication.class, response.body());
        assertEquals("xml accept", m.getCode().getText());
        assertEquals(id, m.getIdElement().getIdPart());
    }

    @Test
    void readAsXmlWithFormatParameter() throws Exception {
        String id = create(medication("xml format")).getIdElement().getIdPart();

        HttpResponse<String> response = send(SERVER.request("/Medication/" + id + "?_format=xml").GET());

        assertEquals(200, response.statusCode(), response.body());
        assertTrue(header(response, "Content-Type").orElse("").contains("xml"),
                "Content-Type: " + header(response, "Content-Type"));
        assertTrue(response.body().stripLeading().startsWith("<"), response.body());
        Medication m = SERVER.clientContext().newXmlParser().parseResource(Medication.class, response.body());
        assertEquals("xml format", m.getCode().getText());
    }

    @Test
    void createWithXmlBody() throws Exception {
        String xml = SERVER.clientContext().newXmlParser().encodeResourceToString(medication("xml body"));

        HttpResponse<String> response = send(SERVER.request("/Medication")
                .header("Content-Type", FHIR_XML + ";charset=utf-8")
                .header("Accept", FHIR_JSON)
                .POST(HttpRequest.BodyPublishers.ofString(xml)));

        assertEquals(201, response.statusCode(), response.body());
        Medication created = parse(response, Medication.class);
        assertEquals("xml body", created.getCode().getText());
        assertEquals("xml body", read(created.getIdElement().getIdPart()).getCode().getText());
    }

    @Test
    void updateWithXmlBody() throws Exception {
        Medication created = create(medication("xml update"));
        String id = created.getIdElement().getIdPart();
        created.getCode().setText("xml update v2");
        String xml = SERVER.clientContext().newXmlParser().encodeResourceToString(created);

        HttpResponse<String> response = send(SERVER.request("/Medication/" + id)
                .header("Content-Type", FHIR_XML)
                .header("Accept", FHIR_XML)
                .PUT(HttpRequest.BodyPublishers.ofString(xml)));

        assertEquals(200, response.statusCode(), response.body());
        Medication updated = SERVER.clientContext().newXmlParser().parseResource(Medication.class, response.body());
        assertEquals("2", updated.getMeta().getVersionId());
        assertEquals("xml update v2", read(id).getCode().getText());
    }

    // --------------------------------------------------------------------------------------------------- helpers

    /** A Medication that conforms to the formulary profile, with the ingredient details and the form text. */
    private static Medication medication(String text) {
        return TestData.medication(text, TestData.Extra.INGREDIENT_DETAILS, TestData.Extra.FORM_TEXT);
    }

    private Medication create(Medication medication) throws Exception {
        HttpResponse<String> response = post("/Medication", json(medication));
        assertEquals(201, response.statusCode(), response.body());
        return parse(response, Medication.class);
    }

    /** Reads {@code id}, changes code.text and PUTs it back; returns the stored version. */
    private Medication update(String id, String text) throws Exception {
        Medication current = read(id);
        current.getCode().setText(text);
        HttpResponse<String> response = put("/Medication/" + id, json(current));
        assertEquals(200, response.statusCode(), response.body());
        return parse(response, Medication.class);
    }

    private Medication read(String id) throws Exception {
        HttpResponse<String> response = get("/Medication/" + id);
        assertEquals(200, response.statusCode(), response.body());
        return parse(response, Medication.class);
    }

    private Bundle history(String path) throws Exception {
        HttpResponse<String> response = get(path);
        assertEquals(200, response.statusCode(), path + " -> " + response.body());
        Bundle bundle = parse(response, Bundle.class);
        assertEquals(Bundle.BundleType.HISTORY, bundle.getType());
        return bundle;
    }

    private List<String> searchIds(String path) throws Exception {
        HttpResponse<String> response = get(path);
        assertEquals(200, response.statusCode(), response.body());
        return parse(response, Bundle.class).getEntry().stream()
                .map(e -> e.getResource().getIdElement().getIdPart()).collect(Collectors.toList());
    }

    /** The version of each entry of a history bundle, from its ETag (deletions have no resource). */
    private static List<Long> versionIds(Bundle history) {
        return history.getEntry().stream().map(CrudAndHistoryTest::version).collect(Collectors.toList());
    }

    private static List<Long> versionIdsOf(Bundle history, String type, String id) {
        return history.getEntry().stream()
                .filter(e -> e.getFullUrl().endsWith("/" + type + "/" + id))
                .map(CrudAndHistoryTest::version)
                .collect(Collectors.toList());
    }

    private static long version(Bundle.BundleEntryComponent entry) {
        String etag = entry.getResponse().getEtag();
        if (etag == null) {
            fail("history entry without response.etag: " + entry.getFullUrl());
        }
        long fromEtag = Long.parseLong(etag.replace("W/", "").replace("\"", ""));
        if (entry.hasResource()) {
            assertEquals(Long.toString(fromEtag), entry.getResource().getMeta().getVersionId(),
                    "entry ETag and meta.versionId agree");
        }
        return fromEtag;
    }

    private static void assertNewestFirst(Bundle history) {
        for (int i = 1; i < history.getEntry().size(); i++) {
            assertFalse(history.getEntry().get(i - 1).getResponse().getLastModified()
                            .before(history.getEntry().get(i).getResponse().getLastModified()),
                    "history is newest first at entry " + i);
        }
    }

    private static boolean isSuccess(HttpResponse<String> response) {
        return response.statusCode() >= 200 && response.statusCode() < 300;
    }

    private static String json(IBaseResource resource) {
        return SERVER.clientContext().newJsonParser().encodeResourceToString(resource);
    }

    private static <T extends IBaseResource> T parse(HttpResponse<String> response, Class<T> type) {
        IParser parser = SERVER.clientContext().newJsonParser();
        return parser.parseResource(type, response.body());
    }

    private static IBaseResource parseAny(HttpResponse<String> response) {
        return SERVER.clientContext().newJsonParser().parseResource(response.body());
    }

    private static Optional<String> header(HttpResponse<String> response, String name) {
        return response.headers().firstValue(name);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return SERVER.send(request);
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return SERVER.get(path);
    }

    private static HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return send(SERVER.request(path)
                .header("Content-Type", FHIR_JSON)
                .header("Accept", FHIR_JSON)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static HttpResponse<String> put(String path, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = SERVER.request(path)
                .header("Content-Type", FHIR_JSON)
                .header("Accept", FHIR_JSON)
                .PUT(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    private static HttpResponse<String> delete(String path) throws IOException, InterruptedException {
        return send(SERVER.request(path).header("Accept", FHIR_JSON).DELETE());
    }
}
