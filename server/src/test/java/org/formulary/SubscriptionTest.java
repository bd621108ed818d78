package org.formulary;

import static org.formulary.TestData.FHIR_JSON;
import static org.formulary.TestData.MARKER_SYSTEM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * R4 Subscriptions with the rest-hook channel, over HTTP against the real server, with a local HTTP receiver that
 * records every request it gets. Each test subscribes to its own marker code (or its own resource ids) and its own
 * receiver path, so the tests do not see each other's notifications. Deliveries are retried quickly here (3
 * attempts, 50 ms then 100 ms apart).
 */
class SubscriptionTest {

    private static final Map<String, String> FAST_RETRIES = Map.of(
            "FORMULARY_SUBSCRIPTION_ATTEMPTS", "3",
            "FORMULARY_SUBSCRIPTION_RETRY_DELAY_MS", "50",
            "FORMULARY_SUBSCRIPTION_TIMEOUT_MS", "5000");

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension(FAST_RETRIES);

    private static final Duration DELIVERY_DEADLINE = Duration.ofSeconds(20);
    private static final Duration QUIET_PERIOD = Duration.ofSeconds(1);

    private static HttpServer receiver;
    private static ExecutorService receiverThreads;
    private static final Queue<Received> RECEIVED = new ConcurrentLinkedQueue<>();
    /** When the receiver answered (just before it did) each request to a {@code /slow/} path, by path. */
    private static final Queue<Map.Entry<String, Long>> SLOW_ANSWERS = new ConcurrentLinkedQueue<>();

    /** One request the receiver got. */
    record Received(String method, String path, Map<String, List<String>> headers, String body, long nanos) {
        String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0))
                    .findFirst()
                    .orElse(null);
        }
    }

    /**
     * The receiver answers by the first path segment: {@code /ok/...} 200, {@code /fail/...} 500, {@code /slow/...}
     * 200 after 2 seconds.
     */
    @BeforeAll
    static void startReceiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        receiverThreads = Executors.newCachedThreadPool();
        receiver.setExecutor(receiverThreads);
        receiver.createContext("/", SubscriptionTest::receive);
        receiver.start();
    }

    @AfterAll
    static void stopReceiver() {
        receiver.stop(0);
        receiverThreads.shutdownNow();
    }

    private static void receive(HttpExchange exchange) throws IOException {
        String body;
        try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String path = exchange.getRequestURI().getRawPath();
        RECEIVED.add(new Received(exchange.getRequestMethod(), path, Map.copyOf(exchange.getRequestHeaders()), body,
                System.nanoTime()));
        int status = 200;
        if (path.startsWith("/fail/")) {
            status = 500;
        } else if (path.startsWith("/slow/")) {
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            SLOW_ANSWERS.add(Map.entry(path, System.nanoTime()));
        }
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    @Test
    void aMatchingCreateAndUpdateArePutWithTheResourceAndTheCustomHeaders() throws Exception {
        String marker = unique("payload");
        String hook = hook("ok");
        String subscriptionId = subscribe(markerCriteria(marker), hook, FHIR_JSON,
                "Authorization: Bearer secret-token-123", "X-Formulary-Test: " + marker);
        Subscription stored = readSubscription(subscriptionId);
        assertEquals(Subscription.SubscriptionStatus.ACTIVE, stored.getStatus(), "requested becomes active");

        String id = unique("med");
        assertEquals(201, putMedication(id, marker, "first").statusCode());
        Received created = awaitRequests(hook, 1).get(0);
        assertEquals("PUT", created.method(), "R4 rest-hook with payload: an update of [endpoint]/[type]/[id]");
        assertEquals(hook + "/Medication/" + id, created.path());
        assertTrue(created.header("Content-Type").startsWith(FHIR_JSON), created.header("Content-Type"));
        assertEquals("Bearer secret-token-123", created.header("Authorization"));
        assertEquals(marker, created.header("X-Formulary-Test"));
        Medication first = TestData.parser().parseResource(Medication.class, created.body());
        assertEquals(id, first.getIdElement().getIdPart());
        assertEquals("1", first.getMeta().getVersionId());

        assertEquals(200, putMedication(id, marker, "second").statusCode());
        Received updated = awaitRequests(hook, 2).get(1);
        assertEquals("PUT", updated.method());
        Medication second = TestData.parser().parseResource(Medication.class, updated.body());
        assertEquals("2", second.getMeta().getVersionId());
        assertEquals("Test drug second", second.getCode().getText());
        assertEquals("Bearer secret-token-123", updated.header("Authorization"));
        assertEquals(Subscription.SubscriptionStatus.ACTIVE, readSubscription(subscriptionId).getStatus(),
                "status stays active after successful deliveries");
    }

    @Test
    void withoutPayloadTheNotificationIsAPostWithoutBody() throws Exception {
        String marker = unique("nopayload");
        String hook = hook("ok");
        subscribe(markerCriteria(marker), hook, null, "X-Formulary-Test: " + marker);

        putMedication(unique("med"), marker, "one");
        Received notification = awaitRequests(hook, 1).get(0);
        assertEquals("POST", notification.method());
        assertEquals(hook, notification.path());
        assertEquals("", notification.body());
        assertEquals(marker, notification.header("X-Formulary-Test"));
    }

    @Test
    void aChangeThatDoesNotMatchSendsNothing() throws Exception {
        String marker = unique("match");
        String hook = hook("ok");
        subscribe(markerCriteria(marker), hook, null);

        putMedication(unique("other"), unique("unrelated"), "not watched");
        String leaving = unique("med");
        putMedication(leaving, marker, "matches");
        awaitRequests(hook, 1);
        putMedication(leaving, unique("unrelated"), "no longer matches");
        assertNothingMoreWithin(hook, 1);

        // Notifications of one Subscription are delivered in order: had the changes above been sent, they would
        // have arrived before this one.
        putMedication(unique("med"), marker, "matches again");
        awaitRequests(hook, 2);
        assertNothingMoreWithin(hook, 2);
    }

    @Test
    void aDeletionOfAMatchingResourceNotifiesAndOneOfAnotherDoesNot() throws Exception {
        String marker = unique("delete");
        String plainHook = hook("ok");
        String payloadHook = hook("ok");
        subscribe(markerCriteria(marker), plainHook, null);
        subscribe(markerCriteria(marker), payloadHook, FHIR_JSON);
        String id = unique("med");
        String other = unique("other");
        putMedication(id, marker, "to delete");
        putMedication(other, unique("unrelated"), "not watched");
        awaitRequests(plainHook, 1);
        awaitRequests(payloadHook, 1);

        assertEquals(200, delete("/Medication/" + other).statusCode());
        assertEquals(200, delete("/Medication/" + id).statusCode());
        Received plain = awaitRequests(plainHook, 2).get(1);
        assertEquals("POST", plain.method());
        assertEquals("", plain.body());
        Received mirrored = awaitRequests(payloadHook, 2).get(1);
        assertEquals("DELETE", mirrored.method(), "with a payload the endpoint is a FHIR base: deletions are mirrored");
        assertEquals(payloadHook + "/Medication/" + id, mirrored.path());
        assertNothingMoreWithin(plainHook, 2);
        assertNothingMoreWithin(payloadHook, 2);
    }

    @Test
    void aReceiverThatKeepsFailingIsRetriedThenTheSubscriptionIsInError() throws Exception {
        String marker = unique("failing");
        String hook = hook("fail");
        String subscriptionId = subscribe(markerCriteria(marker), hook, null);

        String id = unique("med");
        putMedication(id, marker, "one");
        List<Received> attempts = awaitRequests(hook, 3);
        long firstGap = attempts.get(1).nanos() - attempts.get(0).nanos();
        long secondGap = attempts.get(2).nanos() - attempts.get(1).nanos();
        assertTrue(firstGap >= Duration.ofMillis(45).toNanos(), "back-off before the 2nd attempt: " + firstGap);
        assertTrue(secondGap >= Duration.ofMillis(95).toNanos(), "back-off doubles before the 3rd: " + secondGap);

        Subscription failed = awaitSubscriptionStatus(subscriptionId, Subscription.SubscriptionStatus.ERROR);
        assertTrue(failed.getError().contains("HTTP 500"), failed.getError());
        assertTrue(failed.getError().contains("3 attempts"), failed.getError());
        assertTrue(failed.getError().contains("Medication/" + id), failed.getError());

        putMedication(id, marker, "two");
        assertNothingMoreWithin(hook, 3);
    }

    @Test
    void criteriaTheServerCannotRunAreRejectedWith422() throws Exception {
        String hook = hook("ok");
        for (String criteria : List.of("Medication?cod=x", "NoSuchType?code=x", "Medication?_lastUpdated=yesterday",
                "Subscription?status=active", "")) {
            HttpResponse<String> response = postSubscription(subscription(criteria, hook, null));
            assertEquals(422, response.statusCode(), criteria + ": " + response.body());
            OperationOutcome oo = TestData.parser().parseResource(OperationOutcome.class, response.body());
            assertTrue(oo.getIssue().stream().anyMatch(i -> i.getDiagnostics() != null
                    && i.getDiagnostics().contains("Subscription.criteria")), criteria + ": " + response.body());
        }
        Subscription badEndpoint = subscription("Medication?", "ftp://localhost/hook", null);
        assertEquals(422, postSubscription(badEndpoint).statusCode());
        Subscription websocket = subscription("Medication?", receiverUrl(hook), null);
        websocket.getChannel().setType(Subscription.SubscriptionChannelType.WEBSOCKET);
        assertEquals(422, postSubscription(websocket).statusCode());
        assertEquals(422, postSubscription(subscription("Medication?", receiverUrl(hook), "text/plain"))
                .statusCode());
    }

    @Test
    void aSlowReceiverDoesNotSlowTheWrite() throws Exception {
        String marker = unique("slow");
        String hook = hook("slow");
        subscribe(markerCriteria(marker), hook, FHIR_JSON);
        String id = unique("med");

        long start = System.nanoTime();
        assertEquals(201, putMedication(id, marker, "one").statusCode());
        long firstReturned = System.nanoTime();
        assertEquals(200, putMedication(id, marker, "two").statusCode());
        long secondReturned = System.nanoTime();
        // Had the write waited for its notification, it could not return before the receiver answered (2 s later).
        long firstAnswered = awaitAnswers(hook, 1).get(0);
        assertTrue(firstReturned < firstAnswered, "the create returned "
                + Duration.ofNanos(firstReturned - start).toMillis() + " ms after it was sent, after the receiver"
                + " answered its notification");
        assertTrue(secondReturned < firstAnswered, "the update returned after the receiver answered the first"
                + " notification");
        List<Received> both = awaitRequests(hook, 2);
        assertEquals("1", TestData.parser().parseResource(Medication.class, both.get(0).body()).getMeta()
                .getVersionId(), "delivered in order");
        assertEquals("2", TestData.parser().parseResource(Medication.class, both.get(1).body()).getMeta()
                .getVersionId());
    }

    @Test
    void aTypeWideSubscriptionHearsEveryChangeOfItsTypeUntilItIsDeleted() throws Exception {
        String hook = hook("ok");
        String subscriptionId = subscribe("Medication?", hook, null);
        String id = unique("med");
        putMedication(id, unique("any"), "one");
        awaitRequests(hook, 1);

        assertEquals(200, delete("/Subscription/" + subscriptionId).statusCode());
        int before = requests(hook).size();
        putMedication(id, unique("any"), "two");
        assertNothingMoreWithin(hook, before);
    }

    @Test
    void aSubscriptionThatIsOffIsStoredAsIsAndNotNotified() throws Exception {
        String marker = unique("off");
        String hook = hook("ok");
        Subscription off = subscription(markerCriteria(marker), receiverUrl(hook), null);
        off.setStatus(Subscription.SubscriptionStatus.OFF);
        HttpResponse<String> created = postSubscription(off);
        assertEquals(201, created.statusCode(), created.body());
        assertEquals(Subscription.SubscriptionStatus.OFF, readSubscription(idFromLocation(created)).getStatus());

        putMedication(unique("med"), marker, "one");
        assertNothingMoreWithin(hook, 0);
    }

    @Test
    void activeSubscriptionsAreLoadedWhenAServerStarts() throws Exception {
        String marker = unique("restart");
        String hook = hook("ok");
        subscribe(markerCriteria(marker), hook, null);

        // A second server on the same database (as after a restart) knows the Subscription from the database alone.
        try (FormularyServer second = FormularyServer.start(SERVER.settingsForAnotherNode(FAST_RETRIES))) {
            putMedication(second.baseUrl(), unique("med"), marker, "one");
            assertEquals("POST", awaitRequests(hook, 1).get(0).method());
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------------

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A receiver path of its own for one Subscription; {@code behaviour} is ok, fail or slow. */
    private static String hook(String behaviour) {
        return "/" + behaviour + "/" + UUID.randomUUID();
    }

    private static String receiverUrl(String hook) {
        return "http://localhost:" + receiver.getAddress().getPort() + hook;
    }

    private static String markerCriteria(String marker) {
        return "Medication?code=" + MARKER_SYSTEM + "|" + TestData.marker(marker);
    }

    private static Subscription subscription(String criteria, String endpoint, String payload, String... headers) {
        Subscription subscription = new Subscription();
        subscription.setStatus(Subscription.SubscriptionStatus.REQUESTED);
        subscription.setReason("SubscriptionTest");
        subscription.setCriteria(criteria);
        subscription.getChannel().setType(Subscription.SubscriptionChannelType.RESTHOOK).setEndpoint(endpoint)
                .setPayload(payload);
        for (String header : headers) {
            subscription.getChannel().addHeader(header);
        }
        return subscription;
    }

    /** Creates a Subscription for {@code criteria} that notifies the receiver at {@code hook}; returns its id. */
    private static String subscribe(String criteria, String hook, String payload, String... headers)
            throws Exception {
        HttpResponse<String> response = postSubscription(subscription(criteria, receiverUrl(hook), payload, headers));
        assertEquals(201, response.statusCode(), response.body());
        return idFromLocation(response);
    }

    private static HttpResponse<String> postSubscription(Subscription subscription) throws Exception {
        return SERVER.send(SERVER.request("/Subscription")
                .header("Content-Type", FHIR_JSON)
                .header("Accept", FHIR_JSON)
                .POST(HttpRequest.BodyPublishers.ofString(TestData.parser().encodeResourceToString(subscription))));
    }

    private static String idFromLocation(HttpResponse<String> response) {
        String location = response.headers().firstValue("Location").orElseThrow();
        String path = location.substring(location.indexOf("/Subscription/") + "/Subscription/".length());
        return path.contains("/") ? path.substring(0, path.indexOf('/')) : path;
    }

    private static Subscription readSubscription(String id) throws Exception {
        HttpResponse<String> response = SERVER.get("/Subscription/" + id);
        assertEquals(200, response.statusCode(), response.body());
        return TestData.parser().parseResource(Subscription.class, response.body());
    }

    /** PUTs the marked Medication {@code id} (create or update) with code text "Test drug {@code text}". */
    private static HttpResponse<String> putMedication(String id, String marker, String text) throws Exception {
        return putMedication(SERVER.baseUrl(), id, marker, text);
    }

    private static HttpResponse<String> putMedication(String base, String id, String marker, String text)
            throws Exception {
        Medication medication = TestData.markedMedication(id, marker);
        medication.getCode().setText("Test drug " + text);
        HttpResponse<String> response = SERVER.send(HttpRequest.newBuilder(URI.create(base + "/Medication/" + id))
                .header("Content-Type", FHIR_JSON)
                .header("Accept", FHIR_JSON)
                .PUT(HttpRequest.BodyPublishers.ofString(TestData.parser().encodeResourceToString(medication))));
        assertTrue(response.statusCode() == 200 || response.statusCode() == 201, response.body());
        return response;
    }

    private static HttpResponse<String> delete(String path) throws Exception {
        return SERVER.send(SERVER.request(path).header("Accept", FHIR_JSON).DELETE());
    }

    /** The requests the receiver got on {@code hook} (and below it), in arrival order. */
    private static List<Received> requests(String hook) {
        List<Received> found = new ArrayList<>();
        for (Received received : RECEIVED) {
            if (received.path().equals(hook) || received.path().startsWith(hook + "/")) {
                found.add(received);
            }
        }
        return found;
    }

    /** Waits (bounded) until {@code hook} got at least {@code count} requests; returns them. */
    private static List<Received> awaitRequests(String hook, int count) throws InterruptedException {
        long deadline = System.nanoTime() + DELIVERY_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            List<Received> found = requests(hook);
            if (found.size() >= count) {
                return found;
            }
            Thread.sleep(20);
        }
        fail(hook + " got " + requests(hook).size() + " requests within " + DELIVERY_DEADLINE + ", expected "
                + count);
        return List.of();
    }

    /** Waits (bounded) until the receiver answered {@code count} requests on the slow {@code hook}; their times. */
    private static List<Long> awaitAnswers(String hook, int count) throws InterruptedException {
        long deadline = System.nanoTime() + DELIVERY_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            List<Long> answered = SLOW_ANSWERS.stream()
                    .filter(a -> a.getKey().startsWith(hook + "/"))
                    .map(Map.Entry::getValue)
                    .toList();
            if (answered.size() >= count) {
                return answered;
            }
            Thread.sleep(20);
        }
        fail(hook + " did not answer " + count + " requests within " + DELIVERY_DEADLINE);
        return List.of();
    }

    /** Waits {@link #QUIET_PERIOD} and checks that {@code hook} still has exactly {@code count} requests. */
    private static void assertNothingMoreWithin(String hook, int count) throws InterruptedException {
        long deadline = System.nanoTime() + QUIET_PERIOD.toNanos();
        while (System.nanoTime() < deadline) {
            assertTrue(requests(hook).size() <= count, () -> hook + " got an unexpected request: " + requests(hook));
            Thread.sleep(50);
        }
        assertEquals(count, requests(hook).size(), hook + ": " + requests(hook));
    }

    private static Subscription awaitSubscriptionStatus(String id, Subscription.SubscriptionStatus status)
            throws Exception {
        long deadline = System.nanoTime() + DELIVERY_DEADLINE.toNanos();
        Subscription current = readSubscription(id);
        while (current.getStatus() != status && System.nanoTime() < deadline) {
            Thread.sleep(50);
            current = readSubscription(id);
        }
        assertEquals(status, current.getStatus(), "Subscription/" + id + " error: " + current.getError());
        assertNotNull(current.getError());
        assertFalse(current.getError().isBlank());
        return current;
    }
}
