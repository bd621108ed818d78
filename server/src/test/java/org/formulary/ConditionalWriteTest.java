package org.formulary;

import static org.formulary.TestData.FHIR_JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Conditional create ({@code If-None-Exist}) and conditional update ({@code PUT [type]?[search]}) over HTTP: no
 * match creates, one match is returned or updated, several answer 412, and concurrent conditional creates of one
 * identifier store exactly one resource.
 */
@Tag(FormularyServerExtension.ALSO_ON_POSTGRESQL)
class ConditionalWriteTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    private static final String SYSTEM = "http://example.org/fhir/test/conditional";

    @Test
    void conditionalCreateTwiceStoresOneResourceAndAnswers200TheSecondTime() throws Exception {
        String value = UUID.randomUUID().toString();

        HttpResponse<String> first = conditionalCreate(medication(value, "first"), value);
        assertEquals(201, first.statusCode(), first.body());
        Medication created = parse(first, Medication.class);

        HttpResponse<String> second = conditionalCreate(medication(value, "second"), value);
        assertEquals(200, second.statusCode(), second.body());
        Medication existing = parse(second, Medication.class);
        assertEquals(created.getIdElement().getIdPart(), existing.getIdElement().getIdPart());
        assertEquals("1", existing.getMeta().getVersionId(), "the match is returned unchanged");
        assertEquals("first", existing.getCode().getText());
        assertEquals(1, matches(value));
    }

    @Test
    void concurrentConditionalCreatesOfOneIdentifierStoreExactlyOne() throws Exception {
        String value = UUID.randomUUID().toString();
        int clients = 12;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String text = "client " + i;
                Callable<HttpResponse<String>> call = () -> {
                    start.await();
                    return conditionalCreate(medication(value, text), value);
                };
                responses.add(pool.submit(call));
            }
            start.countDown();
            int createdCount = 0;
            Set<String> ids = new HashSet<>();
            for (Future<HttpResponse<String>> future : responses) {
                HttpResponse<String> response = future.get();
                assertTrue(response.statusCode() == 201 || response.statusCode() == 200, response.body());
                createdCount += response.statusCode() == 201 ? 1 : 0;
                ids.add(parse(response, Medication.class).getIdElement().getIdPart());
            }
            assertEquals(1, createdCount, "exactly one request created the resource");
            assertEquals(1, ids.size(), "every request answered with the same resource: " + ids);
            assertEquals(1, matches(value));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentConditionalUpdatesOfOneIdentifierStoreOneResourceWithAVersionEach() throws Exception {
        String value = UUID.randomUUID().toString();
        int clients = 10;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String text = "writer " + i;
                Callable<HttpResponse<String>> call = () -> {
                    start.await();
                    return conditionalUpdate(medication(value, text), value);
                };
                responses.add(pool.submit(call));
            }
            start.countDown();
            int createdCount = 0;
            Set<String> ids = new HashSet<>();
            Set<String> versions = new HashSet<>();
            for (Future<HttpResponse<String>> future : responses) {
                HttpResponse<String> response = future.get();
                assertTrue(response.statusCode() == 201 || response.statusCode() == 200, response.body());
                createdCount += response.statusCode() == 201 ? 1 : 0;
                Medication written = parse(response, Medication.class);
                ids.add(written.getIdElement().getIdPart());
                versions.add(written.getMeta().getVersionId());
            }
            assertEquals(1, createdCount, "exactly one request created the resource, the others updated it");
            assertEquals(1, ids.size(), ids.toString());
            assertEquals(clients, versions.size(), "each request stored its own version: " + versions);
            assertEquals(1, matches(value));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void conditionalUpdateByIdentifierCreatesThenUpdates() throws Exception {
        String value = UUID.randomUUID().toString();

        HttpResponse<String> first = conditionalUpdate(medication(value, "version one"), value);
        assertEquals(201, first.statusCode(), first.body());
        Medication created = parse(first, Medication.class);
        String id = created.getIdElement().getIdPart();
        assertEquals("1", created.getMeta().getVersionId());

        HttpResponse<String> second = conditionalUpdate(medication(value, "version two"), value);
        assertEquals(200, second.statusCode(), second.body());
        Medication updated = parse(second, Medication.class);
        assertEquals(id, updated.getIdElement().getIdPart(), "the matched resource was updated");
        assertEquals("2", updated.getMeta().getVersionId());

        Medication read = parse(SERVER.get("/Medication/" + id), Medication.class);
        assertEquals("version two", read.getCode().getText());
        assertEquals(1, matches(value));
    }

    @Test
    void moreThanOneMatchIs412AndStoresNothing() throws Exception {
        String value = UUID.randomUUID().toString();
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> plain = SERVER.send(SERVER.request("/Medication")
                    .header("Content-Type", FHIR_JSON).header("Accept", FHIR_JSON)
                    .POST(HttpRequest.BodyPublishers.ofString(json(medication(value, "twin " + i)))));
            assertEquals(201, plain.statusCode(), plain.body());
        }

        assertOutcome(conditionalCreate(medication(value, "third"), value), 412, "more than one");
        assertOutcome(conditionalUpdate(medication(value, "third"), value), 412, "more than one");
        assertEquals(2, matches(value));
    }

    @Test
    void conditionWithAnUnknownParameterIs400() throws Exception {
        String value = UUID.randomUUID().toString();
        HttpResponse<String> response = SERVER.send(SERVER.request("/Medication")
                .header("Content-Type", FHIR_JSON).header("Accept", FHIR_JSON)
                .header("If-None-Exist", "no-such-param=" + value)
                .POST(HttpRequest.BodyPublishers.ofString(json(medication(value, "x")))));
        assertOutcome(response, 400, "no-such-param");
        assertEquals(0, matches(value));
    }

    @Test
    void invalidConditionalCreateIs422AndStoresNothing() throws Exception {
        String value = UUID.randomUUID().toString();
        Medication invalid = medication(value, "no code");
        invalid.getCode().getCoding().clear();
        invalid.getCode().setText(null);

        assertEquals(422, conditionalCreate(invalid, value).statusCode());
        assertEquals(0, matches(value));
    }

    @Test
    void capabilityStatementClaimsConditionalCreateAndUpdate() throws Exception {
        CapabilityStatement cs = parse(SERVER.get("/metadata"), CapabilityStatement.class);
        CapabilityStatement.CapabilityStatementRestResourceComponent medication = cs.getRestFirstRep().getResource()
                .stream().filter(r -> r.getType().equals("Medication")).findFirst().orElseThrow();
        assertTrue(medication.getConditionalCreate());
        assertTrue(medication.getConditionalUpdate());
    }

    private static Medication medication(String identifier, String text) {
        Medication m = TestData.medication(text);
        m.addIdentifier().setSystem(SYSTEM).setValue(identifier);
        return m;
    }

    private static HttpResponse<String> conditionalCreate(Medication medication, String identifier)
            throws IOException, InterruptedException {
        return SERVER.send(SERVER.request("/Medication")
                .header("Content-Type", FHIR_JSON).header("Accept", FHIR_JSON)
                .header("If-None-Exist", "identifier=" + encode(SYSTEM + "|" + identifier))
                .POST(HttpRequest.BodyPublishers.ofString(json(medication))));
    }

    private static HttpResponse<String> conditionalUpdate(Medication medication, String identifier)
            throws IOException, InterruptedException {
        return SERVER.send(SERVER.request("/Medication?identifier=" + encode(SYSTEM + "|" + identifier))
                .header("Content-Type", FHIR_JSON).header("Accept", FHIR_JSON)
                .PUT(HttpRequest.BodyPublishers.ofString(json(medication))));
    }

    private static int matches(String identifier) throws IOException, InterruptedException {
        HttpResponse<String> response = SERVER.get("/Medication?identifier=" + encode(SYSTEM + "|" + identifier)
                + "&_total=accurate");
        assertEquals(200, response.statusCode(), response.body());
        return parse(response, Bundle.class).getTotal();
    }

    private static void assertOutcome(HttpResponse<String> response, int status, String text) {
        assertEquals(status, response.statusCode(), response.body());
        OperationOutcome oo = parse(response, OperationOutcome.class);
        assertTrue(oo.getIssueFirstRep().getDiagnostics().contains(text), response.body());
    }

    private static String json(IBaseResource resource) {
        return SERVER.clientContext().newJsonParser().encodeResourceToString(resource);
    }

    private static <T extends IBaseResource> T parse(HttpResponse<String> response, Class<T> type) {
        return SERVER.clientContext().newJsonParser().parseResource(type, response.body());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
