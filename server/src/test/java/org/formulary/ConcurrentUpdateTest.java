package org.formulary;

import static org.formulary.TestData.FHIR_JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Many clients writing one resource at the same moment, over real HTTP: with the same {@code If-Match} exactly
 * one update wins and the others get 412 with an OperationOutcome; without {@code If-Match} every accepted update
 * gets its own version, the versions are contiguous and the history holds each one once with the content its
 * request sent; deletes racing updates never end in a server error or a gap in the history. Runs on H2 and again on
 * PostgreSQL, whose row locks and unique-violation handling differ.
 */
@Tag(FormularyServerExtension.ALSO_ON_POSTGRESQL)
class ConcurrentUpdateTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    private static final int RACERS = 24;

    @Test
    void sameIfMatchLetsExactlyOneUpdateWin() throws Exception {
        String id = newMedication();
        List<HttpResponse<String>> responses = race(i -> put(id, "if-match racer " + i, "W/\"1\""));

        List<HttpResponse<String>> won = new ArrayList<>();
        for (HttpResponse<String> response : responses) {
            if (response.statusCode() == 200) {
                won.add(response);
            } else {
                assertEquals(412, response.statusCode(), response.body());
                OperationOutcome oo = parse(response, OperationOutcome.class);
                assertEquals(OperationOutcome.IssueType.CONFLICT, oo.getIssueFirstRep().getCode(), response.body());
                assertTrue(oo.getIssueFirstRep().getDiagnostics().contains("version"), response.body());
            }
        }
        assertEquals(1, won.size(), "exactly one update with If-Match W/\"1\" succeeds");
        String winner = parse(won.get(0), Medication.class).getCode().getText();

        Medication current = parse(SERVER.get("/Medication/" + id), Medication.class);
        assertEquals("2", current.getMeta().getVersionId(), "the losers created no version");
        assertEquals(winner, current.getCode().getText(), "the stored content is the winner's");
        assertEquals(2, history(id).size(), "history: the create and the one winning update");
    }

    @Test
    void updatesWithoutIfMatchEachGetTheirOwnContiguousVersion() throws Exception {
        String id = newMedication();
        List<HttpResponse<String>> responses = race(i -> put(id, "free racer " + i, null));

        Map<Long, String> sentByVersion = new TreeMap<>();
        for (HttpResponse<String> response : responses) {
            assertEquals(200, response.statusCode(), response.body());
            Medication stored = parse(response, Medication.class);
            String previous = sentByVersion.put(version(response), stored.getCode().getText());
            assertEquals(null, previous, "version " + version(response) + " was handed out twice");
        }
        assertEquals(contiguous(2, RACERS + 1), List.copyOf(sentByVersion.keySet()),
                "every accepted update got its own version, contiguous after the create");

        Map<Long, Medication> history = history(id);
        assertEquals(contiguous(1, RACERS + 1), List.copyOf(history.keySet()), "history lists every version once");
        for (Map.Entry<Long, String> sent : sentByVersion.entrySet()) {
            assertEquals(sent.getValue(), history.get(sent.getKey()).getCode().getText(),
                    "history holds version " + sent.getKey() + " with the content its request sent");
            HttpResponse<String> vread = SERVER.get("/Medication/" + id + "/_history/" + sent.getKey());
            assertEquals(sent.getValue(), parse(vread, Medication.class).getCode().getText(), "vread " + sent.getKey());
        }
    }

    @Test
    void deletesRacingUpdatesNeverFailAndLeaveNoGap() throws Exception {
        String id = newMedication();
        List<HttpResponse<String>> responses = race(i -> i % 2 == 0
                ? put(id, "delete racer " + i, null)
                : SERVER.send(SERVER.request("/Medication/" + id).header("Accept", FHIR_JSON).DELETE()));

        Map<Long, String> sentByVersion = new HashMap<>();
        int deletions = 0;
        for (HttpResponse<String> response : responses) {
            assertTrue(response.statusCode() < 500, "no server error: " + response.statusCode() + " " + response.body());
            String method = response.request().method();
            if (method.equals("PUT")) {
                assertTrue(response.statusCode() == 200 || response.statusCode() == 201, response.body());
                sentByVersion.put(version(response), parse(response, Medication.class).getCode().getText());
            } else {
                assertEquals(200, response.statusCode(), response.body());
                deletions += parse(response, OperationOutcome.class).getIssueFirstRep().getDiagnostics()
                        .startsWith("Deleted ") ? 1 : 0;
            }
        }
        assertEquals(RACERS / 2, sentByVersion.size(), "every update got a version of its own");

        Bundle bundle = historyBundle(id);
        Map<Long, Bundle.BundleEntryComponent> byVersion = new TreeMap<>();
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            long version = Long.parseLong(entry.getResponse().getEtag().replaceAll("\\D", ""));
            assertEquals(null, byVersion.put(version, entry), "version " + version + " listed twice");
        }
        assertEquals(contiguous(1, 1 + RACERS / 2 + deletions), List.copyOf(byVersion.keySet()),
                "the create, every update and every deletion that deleted something, contiguous");
        for (Map.Entry<Long, String> sent : sentByVersion.entrySet()) {
            Medication kept = (Medication) byVersion.get(sent.getKey()).getResource();
            assertNotNull(kept, "version " + sent.getKey() + " is an update, not a deletion");
            assertEquals(sent.getValue(), kept.getCode().getText());
        }
        boolean lastIsDeletion = byVersion.get((long) byVersion.size()).getResource() == null;
        assertEquals(lastIsDeletion ? 410 : 200, SERVER.get("/Medication/" + id).statusCode(),
                "a read answers what the newest version says");
    }

    /** Runs {@code RACERS} requests released at the same instant; their responses in request order. */
    private static List<HttpResponse<String>> race(Racer racer) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(RACERS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < RACERS; i++) {
                int n = i;
                Callable<HttpResponse<String>> task = () -> {
                    start.await();
                    return racer.send(n);
                };
                futures.add(pool.submit(task));
            }
            start.countDown();
            List<HttpResponse<String>> responses = new ArrayList<>();
            for (Future<HttpResponse<String>> future : futures) {
                responses.add(future.get(120, TimeUnit.SECONDS));
            }
            return responses;
        } finally {
            pool.shutdownNow();
        }
    }

    /** One racing request. */
    private interface Racer {
        HttpResponse<String> send(int index) throws Exception;
    }

    private static String newMedication() throws Exception {
        String id = "race-" + UUID.randomUUID();
        HttpResponse<String> created = put(id, "created", null);
        assertEquals(201, created.statusCode(), created.body());
        return id;
    }

    private static HttpResponse<String> put(String id, String text, String ifMatch) throws Exception {
        Medication medication = TestData.medication(text, TestData.Extra.INGREDIENT_DETAILS, TestData.Extra.FORM_TEXT);
        medication.setId(id);
        HttpRequest.Builder request = SERVER.request("/Medication/" + id)
                .header("Content-Type", FHIR_JSON)
                .header("Accept", FHIR_JSON)
                .PUT(HttpRequest.BodyPublishers.ofString(
                        SERVER.clientContext().newJsonParser().encodeResourceToString(medication)));
        if (ifMatch != null) {
            request.header("If-Match", ifMatch);
        }
        return SERVER.send(request);
    }

    private static Map<Long, Medication> history(String id) throws Exception {
        Map<Long, Medication> byVersion = new TreeMap<>();
        for (Bundle.BundleEntryComponent entry : historyBundle(id).getEntry()) {
            Medication version = (Medication) entry.getResource();
            long versionId = Long.parseLong(version.getMeta().getVersionId());
            assertEquals(null, byVersion.put(versionId, version), "version " + versionId + " listed twice");
        }
        return byVersion;
    }

    private static Bundle historyBundle(String id) throws Exception {
        HttpResponse<String> response = SERVER.get("/Medication/" + id + "/_history?_count=1000");
        assertEquals(200, response.statusCode(), response.body());
        Bundle bundle = parse(response, Bundle.class);
        assertTrue(bundle.getLink("next") == null, "the whole history fits on one page");
        return bundle;
    }

    private static long version(HttpResponse<String> response) {
        String etag = response.headers().firstValue("ETag").orElseThrow(() -> new AssertionError("no ETag"));
        return Long.parseLong(etag.replaceAll("\\D", ""));
    }

    private static List<Long> contiguous(long first, long last) {
        List<Long> versions = new ArrayList<>();
        for (long v = first; v <= last; v++) {
            versions.add(v);
        }
        return versions;
    }

    private static <T extends IBaseResource> T parse(HttpResponse<String> response, Class<T> type) {
        return SERVER.clientContext().newJsonParser().parseResource(type, response.body());
    }
}
