package org.formulary;

import static org.formulary.TestData.FHIR_JSON;
import static org.formulary.TestData.MARKER_SYSTEM;
import static org.formulary.TestData.linkParams;
import static org.formulary.TestData.markedMedication;
import static org.formulary.TestData.marker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ca.uhn.fhir.parser.IParser;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.formulary.config.Settings;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Keyset paging over HTTP: following next and previous links, sorting by lastUpdated, writes between pages, links
 * served by another server node on the same database, and tampered cursors. Every test makes its own 25 or so
 * Medications, marked with a code unique to the test, and searches by that code.
 */
@Tag(FormularyServerExtension.ALSO_ON_POSTGRESQL)
class PagingTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    static final int N = 25;
    static final int PAGE = 7;

    // ---------------------------------------------------------------- forward and backward

    @Test
    void nextLinksVisitEveryResourceOnceInIdOrderAndPreviousLinksReturnThePreviousPage() throws Exception {
        String p = prefix("fwd");
        List<String> ids = createShuffled(p, N);
        List<String> expected = new ArrayList<>(new TreeSet<>(ids));

        List<Bundle> pages = followNext(search(p, "_count", Integer.toString(PAGE)));
        assertEquals(List.of(7, 7, 7, 4), pages.stream().map(b -> b.getEntry().size()).toList(), "page sizes");
        assertEquals(expected, concat(pages), "all resources, each once, by id");

        for (int i = 0; i < pages.size(); i++) {
            Bundle page = pages.get(i);
            assertEquals(N, page.getTotal(), "total on page " + (i + 1));
            assertKeepsParameters(page, "self", p, Map.of("_count", "7"));
            if (i < pages.size() - 1) {
                assertKeepsParameters(page, "next", p, Map.of("_count", "7"));
            } else {
                assertNull(page.getLink("next"), "no next link on the last page");
            }
            if (i == 0) {
                assertNull(page.getLink("previous"), "no previous link on the first page");
            } else {
                assertKeepsParameters(page, "previous", p, Map.of("_count", "7"));
                Bundle previous = get(page.getLink("previous").getUrl());
                assertEquals(ids(pages.get(i - 1)), ids(previous), "previous of page " + (i + 1));
                assertEquals(N, previous.getTotal(), "total on the previous page of page " + (i + 1));
            }
        }
    }

    @Test
    void previousLinksWalkBackFromTheLastPageToTheFirst() throws Exception {
        String p = prefix("back");
        createShuffled(p, N);
        List<Bundle> forward = followNext(search(p, "_count", Integer.toString(PAGE)));
        List<List<String>> forwardIds = forward.stream().map(PagingTest::ids).toList();

        List<List<String>> backward = new ArrayList<>();
        Bundle page = forward.get(forward.size() - 1);
        backward.add(ids(page));
        Set<String> seenLinks = new HashSet<>();
        while (page.getLink("previous") != null) {
            String url = page.getLink("previous").getUrl();
            assertTrue(seenLinks.add(url), "previous links must not loop: " + url);
            assertTrue(backward.size() <= forward.size(), "more pages backwards than forwards");
            page = get(url);
            assertEquals(N, page.getTotal());
            assertNotNull(page.getLink("next"), "a page reached backwards has a next link");
            backward.add(ids(page));
        }
        Collections.reverse(backward);
        assertEquals(forwardIds, backward, "the same pages backwards as forwards");
    }

    @Test
    void totalNoneIsKeptInTheLinksAndLeavesEveryPageWithoutTotal() throws Exception {
        String p = prefix("nototal");
        List<String> ids = createShuffled(p, 10);
        List<Bundle> pages = followNext(search(p, "_count", "4", "_total", "none"));
        assertEquals(new ArrayList<>(new TreeSet<>(ids)), concat(pages));
        assertEquals(3, pages.size());
        for (Bundle page : pages) {
            assertFalse(page.hasTotal(), "_total=none: no total on " + page.getLink("self").getUrl() + ", got "
                    + page.getTotal());
            assertKeepsParameters(page, "self", p, Map.of("_count", "4", "_total", "none"));
        }
    }

    @Test
    void linksKeepParameterValuesWithSpacesAndEscapes() throws Exception {
        String p = prefix("space");
        List<String> ids = createShuffled(p, 10);
        // every display is "test drug <id>": a value with spaces, matched by :text
        // and an escaped comma (no resource has the code "a,b", so it excludes nothing)
        List<Bundle> pages = followNext(get(SERVER.baseUrl() + "/Medication?" + "code:text=" + enc("Test Drug " + p)
                + "&code:not=" + enc("a\\,b") + "&_count=3"));
        assertEquals(new ArrayList<>(new TreeSet<>(ids)), concat(pages));
        assertEquals(4, pages.size());
        for (Bundle page : pages) {
            assertEquals(10, page.getTotal());
            for (String relation : List.of("self", "next", "previous")) {
                if (page.getLink(relation) != null) {
                    Map<String, List<String>> params = linkParams(page.getLink(relation).getUrl());
                    assertEquals(List.of("Test Drug " + p), params.get("code:text"), relation);
                    assertEquals(List.of("a\\,b"), params.get("code:not"), relation);
                    assertEquals(List.of("3"), params.get("_count"), relation);
                }
            }
        }
    }

    @Test
    void postSearchPagesLikeGet() throws Exception {
        String p = prefix("post");
        createShuffled(p, 10);
        List<Bundle> viaGet = followNext(search(p, "_count", "4"));
        HttpResponse<String> response = SERVER.send(SERVER.request("/Medication/_search")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", FHIR_JSON)
                .POST(HttpRequest.BodyPublishers.ofString("code=" + enc(MARKER_SYSTEM + "|" + marker(p))
                        + "&_count=4")));
        assertEquals(200, response.statusCode(), response.body());
        Bundle firstViaPost = parser().parseResource(Bundle.class, response.body());
        assertKeepsParameters(firstViaPost, "next", p, Map.of("_count", "4"));
        List<Bundle> viaPost = followNext(firstViaPost);
        assertEquals(viaGet.stream().map(PagingTest::ids).toList(), viaPost.stream().map(PagingTest::ids).toList());
    }

    // ---------------------------------------------------------------- sort by lastUpdated

    @Test
    void sortByLastUpdatedAscendingAndDescendingAcrossPages() throws Exception {
        String p = prefix("sort");
        Map<String, Instant> updated = new LinkedHashMap<>();
        // created in shuffled id order, a few ms apart: lastUpdated order is not id order
        for (String id : shuffledIds(p, N)) {
            Resource r = put(markedMedication(id, p));
            updated.put(id, r.getMeta().getLastUpdated().toInstant());
            Thread.sleep(2);
        }
        assertEquals(N, new HashSet<>(updated.values()).size(), "distinct lastUpdated values " + updated);
        List<String> ascending = new ArrayList<>(updated.keySet());
        ascending.sort(Comparator.comparing((String id) -> updated.get(id)).thenComparing(id -> id));
        assertNotEquals(new ArrayList<>(new TreeSet<>(updated.keySet())), ascending, "premise: not id order");
        List<String> descending = new ArrayList<>(ascending);
        Collections.reverse(descending);

        for (String sort : List.of("_lastUpdated", "-_lastUpdated")) {
            List<String> expected = sort.startsWith("-") ? descending : ascending;
            List<Bundle> pages = followNext(search(p, "_count", "7", "_sort", sort));
            assertEquals(4, pages.size(), "pages for _sort=" + sort);
            assertEquals(expected, concat(pages), "_sort=" + sort);
            for (int i = 0; i < pages.size(); i++) {
                Bundle page = pages.get(i);
                assertEquals(N, page.getTotal());
                for (Bundle.BundleEntryComponent e : page.getEntry()) {
                    String id = e.getResource().getIdElement().getIdPart();
                    assertEquals(updated.get(id), e.getResource().getMeta().getLastUpdated().toInstant(), id);
                }
                assertKeepsParameters(page, "self", p, Map.of("_count", "7", "_sort", sort));
                if (i > 0) {
                    assertKeepsParameters(page, "previous", p, Map.of("_count", "7", "_sort", sort));
                    assertEquals(ids(pages.get(i - 1)), ids(get(page.getLink("previous").getUrl())),
                            "_sort=" + sort + ": previous of page " + (i + 1));
                }
            }
        }
    }

    @Test
    void sortByIdDescending() throws Exception {
        String p = prefix("iddesc");
        List<String> ids = createShuffled(p, 12);
        List<String> expected = new ArrayList<>(new TreeSet<>(ids));
        Collections.reverse(expected);
        List<Bundle> pages = followNext(search(p, "_count", "5", "_sort", "-_id"));
        assertEquals(expected, concat(pages));
        assertEquals(ids(pages.get(0)), ids(get(pages.get(1).getLink("previous").getUrl())));
    }

    // ---------------------------------------------------------------- writes between pages

    @Test
    void writesBetweenPagesNeitherRepeatNorSkipResources() throws Exception {
        String p = prefix("writes");
        List<String> ids = new ArrayList<>(new TreeSet<>(createShuffled(p, 21)));

        Bundle first = search(p, "_count", "7");
        List<String> seen = new ArrayList<>(ids(first));
        assertEquals(ids.subList(0, 7), seen);
        String seenId = seen.get(3);
        String unseenUpdated = ids.get(10);
        String unseenDeleted = ids.get(12);
        String newId = ids.get(10) + "a"; // sorts after the cursor, between two existing ids
        assertTrue(newId.compareTo(seen.get(seen.size() - 1)) > 0);

        Medication updatedSeen = markedMedication(seenId, p);
        updatedSeen.setStatus(Medication.MedicationStatus.INACTIVE);
        assertEquals("2", put(updatedSeen).getMeta().getVersionId(), "a new version of " + seenId);
        Medication updatedUnseen = markedMedication(unseenUpdated, p);
        updatedUnseen.setStatus(Medication.MedicationStatus.INACTIVE);
        assertEquals("2", put(updatedUnseen).getMeta().getVersionId(), "a new version of " + unseenUpdated);
        put(markedMedication(newId, p));
        HttpResponse<String> deleted = SERVER.send(SERVER.request("/Medication/" + unseenDeleted).DELETE());
        assertEquals(200, deleted.statusCode(), deleted.body());

        List<Bundle> rest = followNext(get(first.getLink("next").getUrl()));
        List<String> all = new ArrayList<>(seen);
        all.addAll(concat(rest));

        List<String> repeated = all.stream().filter(id -> Collections.frequency(all, id) > 1).distinct().toList();
        assertEquals(List.of(), repeated, "ids repeated across pages: " + all);
        List<String> existedThroughout = new ArrayList<>(ids);
        existedThroughout.remove(unseenDeleted);
        List<String> skipped = existedThroughout.stream().filter(id -> !all.contains(id)).toList();
        assertEquals(List.of(), skipped, "ids skipped: " + all);
        assertFalse(all.contains(unseenDeleted), "a resource deleted before its page was read is not returned");
    }

    // ---------------------------------------------------------------- another node

    @Test
    void pageLinksWorkOnAnotherServerNodeOnTheSameDatabase() throws Exception {
        String p = prefix("node");
        createShuffled(p, N);
        Bundle first = search(p, "_count", "7");
        List<Bundle> onFirstNode = followNext(get(first.getLink("next").getUrl()));
        assertEquals(3, onFirstNode.size());

        try (FormularyServer second = FormularyServer.start(Settings.forDatabase(SERVER.dbUrl()))) {
            assertNotEquals(SERVER.baseUrl(), second.baseUrl());
            String next = first.getLink("next").getUrl();
            assertTrue(next.startsWith(SERVER.baseUrl() + "/"), next);
            String onSecond = second.baseUrl() + next.substring(SERVER.baseUrl().length());

            List<Bundle> onSecondNode = new ArrayList<>();
            Bundle page = get(onSecond, second.baseUrl());
            onSecondNode.add(page);
            while (page.getLink("next") != null) {
                String url = page.getLink("next").getUrl();
                assertTrue(url.startsWith(second.baseUrl() + "/"), "the second node links to itself: " + url);
                page = get(url, second.baseUrl());
                onSecondNode.add(page);
                assertTrue(onSecondNode.size() <= N, "next links loop");
            }
            assertEquals(onFirstNode.stream().map(PagingTest::ids).toList(),
                    onSecondNode.stream().map(PagingTest::ids).toList(), "the same pages on both nodes");
            for (Bundle b : onSecondNode) {
                assertEquals(N, b.getTotal());
                assertKeepsParameters(b, "self", p, Map.of("_count", "7"));
            }
            // and back again on the second node
            Bundle previous = get(onSecondNode.get(0).getLink("previous").getUrl(), second.baseUrl());
            assertEquals(ids(first), ids(previous), "previous of page 2, served by the second node");
        }
    }

    // ---------------------------------------------------------------- tampered cursors

    @Test
    void tamperedCursorIsRejectedWithOperationOutcome() throws Exception {
        String p = prefix("tamper");
        createShuffled(p, 9);
        Bundle first = search(p, "_count", "4");
        String next = first.getLink("next").getUrl();
        String cursor = linkParams(next).get("_cursor").get(0);
        assertNotNull(cursor);

        List<String> bad = List.of(
                "garbage",
                b64("a:not-a-number:" + p + "-03"),
                b64("x:0:" + p + "-03"),
                b64("a:0:"),
                b64("just text"),
                "%%%");
        for (String value : bad) {
            String url = next.replace("_cursor=" + cursor, "_cursor=" + (value.equals("%%%") ? "%25%25%25" : enc(value)));
            assertNotEquals(next, url);
            HttpResponse<String> response = SERVER.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Accept", FHIR_JSON).GET());
            assertEquals(400, response.statusCode(), "_cursor=" + value + ": " + response.body());
            OperationOutcome oo = parser().parseResource(OperationOutcome.class, response.body());
            assertEquals(OperationOutcome.IssueSeverity.ERROR, oo.getIssueFirstRep().getSeverity());
            assertTrue(oo.getIssueFirstRep().getDiagnostics().contains("_cursor"), oo.getIssueFirstRep().getDiagnostics());
        }
        // the untampered link still works
        assertEquals(4, get(next).getEntry().size());
    }

    // ================================================================ helpers

    static String prefix(String name) {
        return "p-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** {@code prefix-00 .. prefix-(n-1)} in a shuffled (but repeatable) order. */
    static List<String> shuffledIds(String prefix, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(String.format("%s-%02d", prefix, i));
        }
        Collections.shuffle(ids, new Random(42));
        return ids;
    }

    /** Creates {@code n} marked Medications in shuffled id order; returns their ids in creation order. */
    List<String> createShuffled(String prefix, int n) throws Exception {
        List<String> ids = shuffledIds(prefix, n);
        for (String id : ids) {
            put(markedMedication(id, prefix));
        }
        return ids;
    }

    static Resource put(Resource resource) throws Exception {
        String path = "/" + resource.fhirType() + "/" + resource.getIdElement().getIdPart();
        HttpResponse<String> response = SERVER.send(SERVER.request(path)
                .header("Content-Type", FHIR_JSON)
                .header("Accept", FHIR_JSON)
                .PUT(HttpRequest.BodyPublishers.ofString(parser().encodeResourceToString(resource))));
        assertTrue(response.statusCode() == 200 || response.statusCode() == 201,
                "PUT " + path + " gave " + response.statusCode() + ": " + response.body());
        return (Resource) parser().parseResource(response.body());
    }

    static IParser parser() {
        return SERVER.clientContext().newJsonParser();
    }

    /** The first page of the Medications marked for {@code prefix}, with extra name/value parameters. */
    static Bundle search(String prefix, String... extra) throws Exception {
        List<String> pairs = new ArrayList<>();
        pairs.add("code=" + enc(MARKER_SYSTEM + "|" + marker(prefix)));
        for (int i = 0; i < extra.length; i += 2) {
            pairs.add(enc(extra[i]) + "=" + enc(extra[i + 1]));
        }
        return get(SERVER.baseUrl() + "/Medication?" + String.join("&", pairs));
    }

    static Bundle get(String url) throws Exception {
        return get(url, SERVER.baseUrl());
    }

    /** GETs a searchset from {@code url}, checking that its entries carry fullUrls on {@code base}. */
    static Bundle get(String url, String base) throws Exception {
        HttpResponse<String> response = SERVER.send(HttpRequest.newBuilder(URI.create(url))
                .header("Accept", FHIR_JSON).GET());
        assertEquals(200, response.statusCode(), "GET " + url + ": " + response.body());
        Bundle bundle = parser().parseResource(Bundle.class, response.body());
        assertEquals(Bundle.BundleType.SEARCHSET, bundle.getType());
        for (Bundle.BundleEntryComponent e : bundle.getEntry()) {
            assertEquals(base + "/Medication/" + e.getResource().getIdElement().getIdPart(), e.getFullUrl());
            assertEquals(Bundle.SearchEntryMode.MATCH, e.getSearch().getMode());
        }
        return bundle;
    }

    /** {@code first} and every page reached from it by next links. */
    static List<Bundle> followNext(Bundle first) throws Exception {
        List<Bundle> pages = new ArrayList<>();
        Set<String> links = new HashSet<>();
        Bundle page = first;
        pages.add(page);
        while (page.getLink("next") != null) {
            String url = page.getLink("next").getUrl();
            assertTrue(links.add(url), "next links must not loop: " + url);
            assertTrue(pages.size() <= 100, "too many pages");
            page = get(url);
            pages.add(page);
        }
        return pages;
    }

    static List<String> ids(Bundle bundle) {
        return bundle.getEntry().stream().map(e -> e.getResource().getIdElement().getIdPart()).toList();
    }

    static List<String> concat(List<Bundle> pages) {
        List<String> all = new ArrayList<>();
        pages.forEach(b -> all.addAll(ids(b)));
        return all;
    }

    /** The link keeps the search's code and the given result parameters. */
    static void assertKeepsParameters(Bundle bundle, String relation, String prefix, Map<String, String> params) {
        Bundle.BundleLinkComponent link = bundle.getLink(relation);
        assertNotNull(link, relation + " link");
        Map<String, List<String>> actual = linkParams(link.getUrl());
        assertEquals(List.of(MARKER_SYSTEM + "|" + marker(prefix)), actual.get("code"), relation + ": " + link.getUrl());
        params.forEach((name, value) -> assertEquals(List.of(value), actual.get(name), relation + ": " + link.getUrl()));
        if (!relation.equals("self")) {
            assertTrue(actual.containsKey("_cursor"), relation + " link carries a cursor: " + link.getUrl());
        }
    }

    static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static String b64(String raw) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }
}
