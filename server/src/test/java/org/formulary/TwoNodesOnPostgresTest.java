package org.formulary;

import static org.formulary.TestData.FHIR_JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.formulary.config.Settings;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Medication;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scale-out: two server nodes on one PostgreSQL database behave as one server. A write through one node is read
 * through the other (read, version read, history, search), a paging link issued by one node works on the other,
 * conflicting writes through both give one 200 and one 412 and never lose an update, and two nodes starting
 * together on an empty database both start, migrate it once and load the content once.
 */
class TwoNodesOnPostgresTest {

    @RegisterExtension
    @Order(1)
    static final FormularyServerExtension NODE_A = FormularyServerExtension.onPostgres();

    @RegisterExtension
    @Order(2)
    static final FormularyServerExtension NODE_B = NODE_A.anotherNode();

    @Test
    void aWriteThroughOneNodeIsReadThroughTheOther() throws Exception {
        Medication written = TestData.markedMedication("two-nodes-write", "two-nodes-write");
        assertEquals(201, put(NODE_A, written, null).statusCode());

        Medication read = read(NODE_B, "two-nodes-write");
        assertEquals("1", read.getMeta().getVersionId());
        assertEquals("Test drug two-nodes-write", read.getCode().getText());
        assertEquals(200, NODE_B.get("/Medication/two-nodes-write/_history/1").statusCode());
        assertEquals(List.of("two-nodes-write"),
                ids(bundle(NODE_B, "/Medication?code=" + TestData.marker("two-nodes-write"))));

        read.getCode().setText("changed through node B");
        assertEquals(200, put(NODE_B, read, "W/\"1\"").statusCode());
        Medication again = read(NODE_A, "two-nodes-write");
        assertEquals("2", again.getMeta().getVersionId());
        assertEquals("changed through node B", again.getCode().getText());
        assertEquals(2, bundle(NODE_A, "/Medication/two-nodes-write/_history").getTotal());
        assertEquals(2, bundle(NODE_B, "/Medication/two-nodes-write/_history").getTotal());
    }

    @Test
    void aNextLinkIssuedByOneNodeWorksOnTheOther() throws Exception {
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String id = "two-nodes-page-" + i;
            assertEquals(201, put(NODE_A, TestData.markedMedication(id, "two-nodes-page"), null).statusCode());
            created.add(id);
        }
        Bundle first = bundle(NODE_A, "/Medication?code=" + TestData.marker("two-nodes-page") + "&_count=3");
        List<String> seen = new ArrayList<>(ids(first));
        Bundle.BundleLinkComponent next = first.getLink("next");
        int pages = 1;
        while (next != null) {
            assertTrue(next.getUrl().startsWith(NODE_A.baseUrl() + "/"), next.getUrl());
            // the same link, sent to node B
            Bundle page = bundle(NODE_B, next.getUrl().substring(NODE_A.baseUrl().length()));
            seen.addAll(ids(page));
            next = page.getLink("next");
            if (next != null) {
                // node B's own links name node B: continue on A with them, alternating
                next.setUrl(NODE_A.baseUrl() + next.getUrl().substring(NODE_B.baseUrl().length()));
            }
            assertTrue(++pages <= 3, "next links loop");
        }
        assertEquals(3, pages);
        assertEquals(created, seen, "every resource once, in id order, across the two nodes");
    }

    @Test
    void conflictingUpdatesThroughBothNodesGiveOne412AndLoseNothing() throws Exception {
        String id = "two-nodes-conflict";
        assertEquals(201, put(NODE_A, TestData.markedMedication(id, "two-nodes-conflict"), null).statusCode());
        List<String> winners = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try {
            for (int round = 1; round <= 5; round++) {
                Medication a = TestData.markedMedication(id, "two-nodes-conflict");
                a.getCode().setText("round " + round + " through A");
                Medication b = TestData.markedMedication(id, "two-nodes-conflict");
                b.getCode().setText("round " + round + " through B");
                String ifMatch = "W/\"" + round + "\"";
                CountDownLatch start = new CountDownLatch(1);
                Future<HttpResponse<String>> throughA = clients.submit(atOnce(start, () -> put(NODE_A, a, ifMatch)));
                Future<HttpResponse<String>> throughB = clients.submit(atOnce(start, () -> put(NODE_B, b, ifMatch)));
                start.countDown();
                int statusA = throughA.get(120, TimeUnit.SECONDS).statusCode();
                int statusB = throughB.get(120, TimeUnit.SECONDS).statusCode();
                assertEquals(Set.of(200, 412), Set.of(statusA, statusB), "round " + round + ": A " + statusA
                        + ", B " + statusB);
                winners.add(statusA == 200 ? a.getCode().getText() : b.getCode().getText());
            }
        } finally {
            clients.shutdownNow();
        }

        Bundle history = bundle(NODE_B, "/Medication/" + id + "/_history?_count=100");
        List<String> versions = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (Bundle.BundleEntryComponent entry : history.getEntry()) {
            Medication version = (Medication) entry.getResource();
            versions.add(version.getMeta().getVersionId());
            texts.add(version.getCode().getText());
        }
        assertEquals(List.of("6", "5", "4", "3", "2", "1"), versions, "one version per round, none missing");
        List<String> expected = new ArrayList<>(winners);
        Collections.reverse(expected);
        expected.add("Test drug " + id);
        assertEquals(expected, texts, "each winning write is kept as its version, newest first");
        assertEquals(winners.get(winners.size() - 1), read(NODE_A, id).getCode().getText());
    }

    @Test
    void concurrentUpdatesThroughBothNodesAreAllKept() throws Exception {
        String id = "two-nodes-unconditional";
        assertEquals(201, put(NODE_A, TestData.markedMedication(id, "two-nodes-unconditional"), null).statusCode());
        int perNode = 8;
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (FormularyServerExtension node : List.of(NODE_A, NODE_B)) {
                String name = node == NODE_A ? "A" : "B";
                writers.add(clients.submit(() -> {
                    for (int n = 0; n < perNode; n++) {
                        Medication m = TestData.markedMedication(id, "two-nodes-unconditional");
                        m.getCode().setText(name + " " + n);
                        assertEquals(200, put(node, m, null).statusCode());
                    }
                    return null;
                }));
            }
            for (Future<?> writer : writers) {
                writer.get(300, TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
        }
        Bundle history = bundle(NODE_A, "/Medication/" + id + "/_history?_count=100");
        assertEquals(1 + 2 * perNode, history.getTotal());
        Set<String> texts = new HashSet<>();
        for (int i = 0; i < history.getEntry().size(); i++) {
            Medication version = (Medication) history.getEntry().get(i).getResource();
            assertEquals(Integer.toString(1 + 2 * perNode - i), version.getMeta().getVersionId(), "contiguous");
            texts.add(version.getCode().getText());
        }
        for (int n = 0; n < perNode; n++) {
            assertTrue(texts.contains("A " + n) && texts.contains("B " + n), "update " + n + " of each node kept");
        }
    }

    @Test
    void twoNodesStartingTogetherOnAnEmptyDatabaseMigrateAndLoadOnce() throws Exception {
        String dbUrl = PostgresDatabases.create();
        Path exportDir = Files.createTempDirectory("formulary-export-");
        Settings settings = Settings.forDatabase(dbUrl).withExportDir(exportDir);
        ExecutorService starters = Executors.newFixedThreadPool(2);
        List<FormularyServer> started = new ArrayList<>();
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<FormularyServer>> nodes = List.of(
                    starters.submit(atOnce(start, () -> FormularyServer.start(settings))),
                    starters.submit(atOnce(start, () -> FormularyServer.start(settings))));
            start.countDown();
            for (Future<FormularyServer> node : nodes) {
                started.add(node.get(600, TimeUnit.SECONDS));
            }
            FormularyServer first = started.get(0);
            FormularyServer second = started.get(1);
            assertNotEquals(first.port(), second.port());
            int files = first.loaded().files();
            assertEquals(files, second.loaded().files());
            assertEquals(files, first.loaded().created() + second.loaded().created(), "each file stored once");
            assertEquals(files, first.loaded().unchanged() + second.loaded().unchanged(),
                    "the other node found it stored");
            try (Connection c = DriverManager.getConnection(dbUrl); Statement s = c.createStatement()) {
                assertEquals(List.of("0.1", "1", "2", "4", "5", "6", "7"), column(s,
                        "SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank"));
                assertEquals(List.of(Integer.toString(files)), column(s,
                        "SELECT COUNT(*) FROM resource_version WHERE res_type <> 'Provenance'"), "one version per file");
                assertEquals(List.of(Integer.toString(files)), column(s,
                        "SELECT COUNT(*) FROM resource_version WHERE res_type = 'Provenance'"),
                        "and the Provenance of each, stored once");
            }
        } finally {
            for (FormularyServer server : started) {
                server.close();
            }
            starters.shutdownNow();
            FormularyServerExtension.deleteRecursively(exportDir);
        }
    }

    private static <T> Callable<T> atOnce(CountDownLatch start, Callable<T> work) {
        return () -> {
            start.await();
            return work.call();
        };
    }

    private static List<String> column(Statement s, String sql) throws Exception {
        List<String> values = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    private static HttpResponse<String> put(FormularyServerExtension node, Medication medication, String ifMatch)
            throws Exception {
        HttpRequest.Builder request = node.request("/Medication/" + medication.getIdElement().getIdPart())
                .header("Content-Type", FHIR_JSON)
                .header("Accept", FHIR_JSON)
                .PUT(HttpRequest.BodyPublishers.ofString(TestData.parser().encodeResourceToString(medication)));
        if (ifMatch != null) {
            request.header("If-Match", ifMatch);
        }
        return node.send(request);
    }

    private static Medication read(FormularyServerExtension node, String id) throws Exception {
        HttpResponse<String> response = node.get("/Medication/" + id);
        assertEquals(200, response.statusCode(), response.body());
        return TestData.parser().parseResource(Medication.class, response.body());
    }

    private static Bundle bundle(FormularyServerExtension node, String path) throws Exception {
        HttpResponse<String> response = node.get(path);
        assertEquals(200, response.statusCode(), response.body());
        Bundle bundle = TestData.parser().parseResource(Bundle.class, response.body());
        assertNotNull(bundle);
        return bundle;
    }

    private static List<String> ids(Bundle bundle) {
        return bundle.getEntry().stream().map(e -> e.getResource().getIdElement().getIdPart()).toList();
    }
}
