package org.formulary;

import static org.formulary.TestData.FHIR_JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durability: the server runs in a JVM of its own on an H2 file database; several writers create and update
 * Medications with distinct content; the JVM is killed with SIGKILL in the middle of the storm and started again
 * on the same file. Every write that was acknowledged (2xx, with its version in the ETag or Location) must then be
 * there with its content at that version, every history must be complete and contiguous, and the database must
 * open cleanly (ready, the content unchanged). Two kill/restart cycles, the second updating the same resources
 * across the first crash. Also watches the startup: live before ready, the FHIR base 503 until ready.
 */
class CrashRecoveryTest {

    private static final Logger LOG = LoggerFactory.getLogger(CrashRecoveryTest.class);

    private static final int CYCLES = 2;
    private static final int WRITERS = 6;
    /** Resources each writer updates again and again (the same ids in every cycle). */
    private static final int IDS_PER_WRITER = 3;
    /** Writes acknowledged in a cycle before the kill, so that it falls in the middle of a storm. */
    private static final int ACKNOWLEDGED_BEFORE_KILL = 40;
    private static final Pattern CLEAN_RESTART =
            Pattern.compile("content resources loaded, \\d+ of them validated .*\\(0 new, 0 updated, \\d+ unchanged\\)");
    private static final Pattern LOCATION_VERSION = Pattern.compile("/Medication/([^/]+)/_history/(\\d+)$");

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedWriteSurvivesSigkill() throws Exception {
        List<ChildServer> started = new ArrayList<>();
        try {
            ChildServer server = ChildServer.start(dir, 0, Map.of());
            started.add(server);
            assertNotReadyWhileStarting(server);
            server.awaitReady();
            List<Write> acknowledged = new ArrayList<>();
            for (int cycle = 1; cycle <= CYCLES; cycle++) {
                Storm storm = new Storm(server, cycle);
                storm.awaitAcknowledged(ACKNOWLEDGED_BEFORE_KILL);
                server.kill();
                List<Write> cycleAcks = storm.finish();
                acknowledged.addAll(cycleAcks);

                server = ChildServer.start(dir, cycle, Map.of());
                started.add(server);
                server.awaitReady();
                assertTrue(server.awaitLog(CLEAN_RESTART),
                        "the restarted database has the content unchanged:\n" + server.logTail());
                int found = verify(server, acknowledged);
                LOG.info("Crash cycle {}: {} writes acknowledged before SIGKILL ({} requests unanswered), {} of"
                                + " {} acknowledged writes so far found after restart at their version with their"
                                + " content", cycle, cycleAcks.size(), storm.cutOff(), found, acknowledged.size());
                assertEquals(acknowledged.size(), found, "every acknowledged write survived");
            }
        } finally {
            for (ChildServer server : started) {
                server.close();
            }
        }
    }

    /** Right after HTTP comes up the server is live but not ready, and the FHIR base answers 503. */
    private static void assertNotReadyWhileStarting(ChildServer server) throws Exception {
        HttpResponse<String> ready = server.awaitLive();
        assertEquals(503, ready.statusCode(), "ready while starting: " + ready.body());
        assertTrue(ready.body().contains("\"status\":\"DOWN\""), ready.body());
        HttpResponse<String> fhir = server.get("/Medication");
        assertEquals(503, fhir.statusCode(), fhir.body());
        assertTrue(fhir.headers().firstValue("Retry-After").isPresent(), "Retry-After while starting");
        OperationOutcome oo = parse(fhir, OperationOutcome.class);
        assertEquals(OperationOutcome.IssueType.TRANSIENT, oo.getIssueFirstRep().getCode(), fhir.body());
    }

    /**
     * Checks every acknowledged write by version read, and the history of every written resource: versions
     * 1..n, each once, n at least the newest acknowledged one. Returns how many acknowledged writes were found;
     * fails (after counting) if any is missing or differs.
     */
    private static int verify(ChildServer server, List<Write> acknowledged) throws Exception {
        List<String> lost = new ArrayList<>();
        for (Write write : acknowledged) {
            HttpResponse<String> vread = server.get("/Medication/" + write.id() + "/_history/" + write.version());
            if (vread.statusCode() != 200) {
                lost.add(write + ": " + vread.statusCode());
                continue;
            }
            Medication stored = parse(vread, Medication.class);
            if (!write.text().equals(stored.getCode().getText())
                    || !Long.toString(write.version()).equals(stored.getMeta().getVersionId())) {
                lost.add(write + ": version " + stored.getMeta().getVersionId() + " " + stored.getCode().getText());
            }
        }
        int found = acknowledged.size() - lost.size();
        assertTrue(lost.isEmpty(), "found " + found + " of " + acknowledged.size() + " acknowledged writes; lost "
                + lost.size() + ", e.g. " + lost.subList(0, Math.min(5, lost.size())));
        Map<String, Long> newestById = acknowledged.stream()
                .collect(Collectors.toMap(Write::id, Write::version, Math::max, TreeMap::new));
        for (Map.Entry<String, Long> resource : newestById.entrySet()) {
            List<Long> versions = historyVersions(server, resource.getKey());
            assertTrue(versions.size() >= resource.getValue(), resource.getKey() + " history: " + versions);
            for (int i = 0; i < versions.size(); i++) {
                assertEquals(versions.size() - i, versions.get(i), resource.getKey() + " history is contiguous: "
                        + versions);
            }
        }
        return found;
    }

    /** The version ids in the history of Medication/{@code id}, newest first. */
    private static List<Long> historyVersions(ChildServer server, String id) throws Exception {
        HttpResponse<String> response = server.get("/Medication/" + id + "/_history?_count=1000");
        assertEquals(200, response.statusCode(), response.body());
        Bundle history = parse(response, Bundle.class);
        List<Long> versions = new ArrayList<>();
        for (Bundle.BundleEntryComponent entry : history.getEntry()) {
            versions.add(Long.parseLong(entry.getResponse().getEtag().replaceAll("\\D", "")));
        }
        return versions;
    }

    private static <T extends IBaseResource> T parse(HttpResponse<String> response, Class<T> type) {
        return TestData.parser().parseResource(type, response.body());
    }

    /** An acknowledged write: Medication/{@code id} at {@code version} has code.text {@code text}. */
    private record Write(String id, long version, String text) {}

    /**
     * {@value #WRITERS} writers, each in a loop until the server stops answering: one create (POST) in four,
     * otherwise an update (PUT) of one of its own {@value #IDS_PER_WRITER} resources; every request with distinct
     * content. Keeps the acknowledged writes.
     */
    private static final class Storm {
        private final ChildServer server;
        private final int cycle;
        private final ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        private final Queue<Write> acknowledged = new ConcurrentLinkedQueue<>();
        private final AtomicInteger cutOff = new AtomicInteger();
        private final List<Future<?>> writers = new ArrayList<>();

        Storm(ChildServer server, int cycle) {
            this.server = server;
            this.cycle = cycle;
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                writers.add(pool.submit(() -> {
                    write(writer);
                    return null;
                }));
            }
        }

        private void write(int writer) throws InterruptedException {
            for (int op = 0; ; op++) {
                String text = "storm cycle " + cycle + " writer " + writer + " write " + op;
                boolean create = op % 4 == 0;
                String id = "storm-" + writer + "-" + op % IDS_PER_WRITER;
                try {
                    HttpResponse<String> response = create ? send(null, text) : send(id, text);
                    assertTrue(response.statusCode() == 200 || response.statusCode() == 201,
                            response.statusCode() + " " + response.body());
                    acknowledged.add(create ? created(response, text) : new Write(id, etagVersion(response), text));
                } catch (IOException serverGone) {
                    cutOff.incrementAndGet();
                    return;
                }
            }
        }

        private HttpResponse<String> send(String id, String text) throws IOException, InterruptedException {
            Medication medication = TestData.medication(text, TestData.Extra.INGREDIENT_DETAILS,
                    TestData.Extra.FORM_TEXT);
            HttpRequest.Builder request = server.request(id == null ? "/Medication" : "/Medication/" + id)
                    .header("Content-Type", FHIR_JSON)
                    .header("Accept", FHIR_JSON);
            if (id != null) {
                medication.setId(id);
            }
            HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.ofString(
                    TestData.parser().encodeResourceToString(medication));
            return server.send(id == null ? request.POST(body) : request.PUT(body));
        }

        private static Write created(HttpResponse<String> response, String text) {
            String location = response.headers().firstValue("Location").orElse("");
            Matcher m = LOCATION_VERSION.matcher(location);
            assertTrue(m.find(), "Location names id and version: " + location);
            return new Write(m.group(1), Long.parseLong(m.group(2)), text);
        }

        private static long etagVersion(HttpResponse<String> response) {
            String etag = response.headers().firstValue("ETag").orElse(null);
            assertNotNull(etag, "an update answers with its version in the ETag");
            return Long.parseLong(etag.replaceAll("\\D", ""));
        }

        /** Waits until {@code count} writes were acknowledged. */
        void awaitAcknowledged(int count) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (acknowledged.size() < count) {
                assertTrue(System.nanoTime() < deadline, "only " + acknowledged.size() + " writes acknowledged");
                for (Future<?> writer : writers) {
                    if (writer.isDone()) {
                        writer.get();
                        throw new AssertionError("a writer stopped before the kill");
                    }
                }
                Thread.sleep(10);
            }
        }

        /** Waits for the writers (which stop when the server is gone); returns the acknowledged writes. */
        List<Write> finish() throws Exception {
            for (Future<?> writer : writers) {
                writer.get(2, TimeUnit.MINUTES);
            }
            pool.shutdown();
            return List.copyOf(acknowledged);
        }

        /** Requests that got no answer: in flight at the kill, or sent after it (at most one per writer). */
        int cutOff() {
            return cutOff.get();
        }
    }
}
