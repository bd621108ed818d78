package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Medication;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a syncing client relies on: conditional reads answer 304, caching headers are right, and the change feed
 * ({@code _history}) paged while other clients write neither skips nor repeats a version.
 */
@Tag(FormularyServerExtension.ALSO_ON_POSTGRESQL)
class ChangeFeedTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    private static final String PATH = "/Medication/baclofen-5mg-tablet";

    @Test
    void ifNoneMatchInEveryFormAnswers304() throws Exception {
        for (String etag : List.of("W/\"1\"", "\"1\"", "1")) {
            HttpResponse<String> response = SERVER.send(SERVER.request(PATH).header("If-None-Match", etag).GET());
            assertEquals(304, response.statusCode(), etag);
            assertEquals("", response.body(), "a 304 has no body");
        }
        assertEquals(200, SERVER.send(SERVER.request(PATH).header("If-None-Match", "W/\"2\"").GET()).statusCode());
    }

    @Test
    void ifModifiedSinceAnswers304UntilTheResourceChanges() throws Exception {
        HttpResponse<String> first = SERVER.get(PATH);
        String lastModified = first.headers().firstValue("Last-Modified").orElseThrow();
        assertEquals(304, SERVER.send(SERVER.request(PATH).header("If-Modified-Since", lastModified).GET())
                .statusCode());
        assertEquals(200, SERVER.send(SERVER.request(PATH)
                .header("If-Modified-Since", "Sat, 01 Jan 2000 00:00:00 GMT").GET()).statusCode());
        assertEquals(200, SERVER.send(SERVER.request(PATH).header("If-Modified-Since", lastModified)
                .header("If-None-Match", "W/\"99\"").GET()).statusCode(), "If-None-Match takes precedence");
    }

    @Test
    void readsTellCachesHowLongTheyMayKeepTheAnswer() throws Exception {
        assertEquals("no-cache", SERVER.get(PATH).headers().firstValue("Cache-Control").orElse(""));
        assertEquals("no-cache", SERVER.get("/Medication?_count=1").headers().firstValue("Cache-Control").orElse(""));
        assertTrue(SERVER.get(PATH + "/_history/1").headers().firstValue("Cache-Control").orElse("")
                .contains("immutable"), "a version never changes");
    }

    @Test
    void historyPagedDuringConcurrentWritesIsCompleteAndInOrder() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Medication medication = TestData.markedMedication("feed-" + i, "feed");
            SERVER.client().update().resource(medication).execute();
            ids.add(medication.getIdElement().getIdPart());
        }
        ExecutorService writers = Executors.newFixedThreadPool(4);
        List<Future<?>> running = new ArrayList<>();
        for (String id : ids) {
            running.add(writers.submit(() -> {
                for (int n = 0; n < 15; n++) {
                    Medication medication = SERVER.client().read().resource(Medication.class).withId(id).execute();
                    medication.getCode().setText("update " + n);
                    SERVER.client().update().resource(medication).execute();
                }
                return null;
            }));
        }
        List<String> paged = new ArrayList<>();
        String next = "/_history?_count=7";
        String firstEntry = null;
        while (next != null) {
            Bundle page = bundle(next);
            for (Bundle.BundleEntryComponent entry : page.getEntry()) {
                String key = versionKey(entry);
                firstEntry = firstEntry == null ? key : firstEntry;
                paged.add(key);
            }
            Bundle.BundleLinkComponent link = page.getLink("next");
            next = link == null ? null : link.getUrl().substring(SERVER.baseUrl().length());
        }
        for (Future<?> writer : running) {
            writer.get(60, TimeUnit.SECONDS);
        }
        writers.shutdown();

        assertEquals(paged.size(), new HashSet<>(paged).size(), "no version is repeated");
        List<String> all = new ArrayList<>();
        Bundle everything = bundle("/_history?_count=1000");
        everything.getEntry().forEach(e -> all.add(versionKey(e)));
        int start = all.indexOf(firstEntry);
        assertTrue(start >= 0, "the first version the reader saw is in the history");
        assertEquals(all.subList(start, all.size()), paged,
                "the reader saw every version older than its first page, in order, none skipped");
    }

    private static String versionKey(Bundle.BundleEntryComponent entry) {
        return entry.getRequest().getUrl() + "@" + entry.getResponse().getEtag() + "#" + entry.getFullUrl();
    }

    private static Bundle bundle(String path) throws Exception {
        HttpResponse<String> response = SERVER.get(path);
        assertEquals(200, response.statusCode(), response.body());
        return TestData.parser().parseResource(Bundle.class, response.body());
    }
}
