package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ca.uhn.fhir.parser.IParser;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bad-request corpus ({@code src/test/resources/bad-requests/}): every request is sent to the real server, which
 * must answer with the expected 4xx status and an OperationOutcome (FHIR JSON, or XML when asked) with an error issue
 * saying what was wrong, without a stack trace; and the database must be as it was before (see
 * {@link DatabaseSnapshot}). The generated injection searches must answer 400 naming the parameter, or find nothing.
 * No request may reach the local listener the XML entities point at, and no answer may carry {@code /etc/passwd}.
 * The server runs with a 1 MiB body limit, a 2 s request timeout and a page size of at most 10, so the size and
 * timeout cases are quick and the page size limit shows.
 */
class BadRequestCorpusTest {

    private static final int MAX_BODY_BYTES = 1024 * 1024;
    private static final int REQUEST_TIMEOUT_MS = 2000;
    private static final int MAX_COUNT = 10;
    /** Ends a case whose answer never comes (the HTTP client's own timeout does not cover every hang). */
    private static final Duration CASE_TIME_LIMIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension(Map.of(
            "FORMULARY_MAX_BODY_BYTES", Integer.toString(MAX_BODY_BYTES),
            "FORMULARY_REQUEST_TIMEOUT_MS", Integer.toString(REQUEST_TIMEOUT_MS),
            "FORMULARY_DEFAULT_COUNT", Integer.toString(MAX_COUNT),
            "FORMULARY_MAX_COUNT", Integer.toString(MAX_COUNT)));

    private static final Logger LOG = LoggerFactory.getLogger(BadRequestCorpusTest.class);

    /** What the entity listener answers: it must never show up in a response. */
    private static final String LISTENER_MARKER = "entity-listener-was-read";

    /** Text of an answer that leaks internals or files: stack frames, exception class names, /etc/passwd. */
    private static final Pattern LEAK = Pattern.compile("\\bat [\\w$.]+\\([\\w$]+\\.java:\\d+\\)"
            + "|\\b(?:java|javax|jakarta|org|com|ca|sun)\\.[\\w$.]*(?:Exception|Error)\\b"
            + "|Exception:|root:x:0:0|" + LISTENER_MARKER);

    private static final CorpusBodies BODIES = new CorpusBodies(MAX_BODY_BYTES);
    private static final AtomicInteger LISTENER_HITS = new AtomicInteger();
    private static HttpServer entityListener;

    @BeforeAll
    static void startEntityListener() throws IOException {
        entityListener = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        entityListener.createContext("/", exchange -> {
            LISTENER_HITS.incrementAndGet();
            byte[] body = ("<!ENTITY leak \"" + LISTENER_MARKER + "\">").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        entityListener.start();
    }

    @AfterAll
    static void stopEntityListener() {
        entityListener.stop(0);
    }

    @TestFactory
    Stream<DynamicTest> corpus() {
        List<CorpusCase> cases = CorpusCase.loadAll();
        LOG.info("Bad-request corpus: {}", counts(cases));
        DynamicTest size = DynamicTest.dynamicTest("the corpus has at least 200 error cases", () -> assertTrue(
                cases.stream().filter(c -> !c.expectsNoMatches()).count() >= 200, counts(cases).toString()));
        DynamicTest unique = DynamicTest.dynamicTest("case names are unique", () -> assertEquals(cases.size(),
                cases.stream().map(CorpusCase::name).distinct().count()));
        DynamicTest noFetch = DynamicTest.dynamicTest("no XML entity or DTD was fetched",
                () -> assertEquals(0, LISTENER_HITS.get(), "requests to the entity listener"));
        return Stream.of(Stream.of(size, unique),
                cases.stream().map(c -> DynamicTest.dynamicTest(c.toString(),
                        () -> assertTimeoutPreemptively(CASE_TIME_LIMIT, () -> run(c), c.toString()))),
                Stream.of(noFetch)).flatMap(s -> s);
    }

    /** Without strict handling a {@code _count} above the maximum is not an error: the page is cut to the maximum. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/Medication?_count=11", "/MedicationKnowledge?_count=5000", "/_history?_count=11",
        "/Medication/_history?_count=11"})
    void countAboveTheMaximumIsCutWithoutStrictHandling(String path) throws Exception {
        RawHttp.Answer answer = RawHttp.Answer.of(SERVER.get(path));
        assertEquals(200, answer.status(), answer.body());
        Bundle bundle = SERVER.clientContext().newJsonParser().parseResource(Bundle.class, answer.body());
        assertEquals(MAX_COUNT, bundle.getEntry().size(), path);
        assertNotNull(bundle.getLink("next"), "a next page: " + path);
    }

    private static void run(CorpusCase c) throws Exception {
        DatabaseSnapshot before = DatabaseSnapshot.of(SERVER.dbUrl());
        RawHttp.Answer answer = send(c);
        String context = c + " -> " + answer.status() + " " + answer.header("Content-Type") + "\n"
                + abbreviate(answer.body());
        assertTrue(answer.status() < 500, "server error: " + context);
        assertFalse(LEAK.matcher(answer.body()).find(), "leaks internals: " + context);
        assertEquals(c.status(), answer.status(), context);
        if (c.expectsNoMatches()) {
            assertNoMatches(answer, context);
        } else {
            assertOperationOutcome(c, answer, context);
        }
        assertEquals(before, DatabaseSnapshot.of(SERVER.dbUrl()), "database changed: " + context);
    }

    private static void assertOperationOutcome(CorpusCase c, RawHttp.Answer answer, String context) {
        String contentType = answer.header("Content-Type");
        assertTrue(contentType.startsWith(c.asksForXml() ? "application/fhir+xml" : "application/fhir+json"),
                "Content-Type: " + context);
        IParser parser = c.asksForXml() ? SERVER.clientContext().newXmlParser() : SERVER.clientContext().newJsonParser();
        OperationOutcome oo = parser.parseResource(OperationOutcome.class, answer.body());
        assertTrue(oo.getIssue().stream().anyMatch(i -> (i.getSeverity() == IssueSeverity.ERROR
                        || i.getSeverity() == IssueSeverity.FATAL) && i.hasDiagnostics()
                        && i.getDiagnostics().contains(c.expect())),
                "no error issue whose diagnostics contain '" + c.expect() + "': " + context);
        if (answer.status() == 405) {
            assertFalse(answer.header("Allow").isEmpty(), "405 without Allow: " + context);
        }
    }

    private static void assertNoMatches(RawHttp.Answer answer, String context) {
        assertTrue(answer.header("Content-Type").startsWith("application/fhir+json"), "Content-Type: " + context);
        Bundle bundle = SERVER.clientContext().newJsonParser().parseResource(Bundle.class, answer.body());
        assertEquals(Bundle.BundleType.SEARCHSET, bundle.getType(), context);
        assertEquals(0, bundle.getEntry().stream()
                .filter(e -> e.getSearch().getMode() == Bundle.SearchEntryMode.MATCH).count(), "matches: " + context);
    }

    private static RawHttp.Answer send(CorpusCase c) throws IOException, InterruptedException {
        Map<String, String> headers = new LinkedHashMap<>();
        if (c.header("Accept").isEmpty()) {
            headers.put("Accept", TestData.FHIR_JSON);
        }
        headers.putAll(c.headers());
        String path = c.path().replace("{existing}", CorpusBodies.EXISTING);
        byte[] body = c.body() == null ? null : BODIES.bytes(c.body()
                .replace("{existing}", CorpusBodies.EXISTING)
                .replace("{xxe-url}", "http://127.0.0.1:" + entityListener.getAddress().getPort() + "/entity"));
        CorpusBodies.Transport transport = CorpusBodies.transport(c.body());
        if (transport == CorpusBodies.Transport.SOCKET) {
            SERVER.authorizationHeader().ifPresent(value -> headers.put("Authorization", value));
            URI base = URI.create(SERVER.baseUrl());
            return RawHttp.exchange(base, c.method(), base.getRawPath() + path, headers, body,
                    CorpusBodies.declaredLength(c.body(), body.length), REQUEST_TIMEOUT_MS * 10);
        }
        HttpRequest.Builder request = SERVER.request(path).timeout(CASE_TIME_LIMIT);
        headers.forEach(request::header);
        request.method(c.method(), publisher(body, transport));
        return RawHttp.Answer.of(SERVER.send(request));
    }

    private static BodyPublisher publisher(byte[] body, CorpusBodies.Transport transport) {
        if (body == null) {
            return BodyPublishers.noBody();
        }
        return transport == CorpusBodies.Transport.CHUNKED
                ? BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                : BodyPublishers.ofByteArray(body);
    }

    /** The number of cases per family and per kind of bad input, and in all. */
    private static Map<String, String> counts(List<CorpusCase> cases) {
        Map<String, String> counts = new TreeMap<>();
        counts.put("cases", Integer.toString(cases.size()));
        counts.put("families", group(cases.stream().collect(Collectors.groupingBy(CorpusCase::family,
                TreeMap::new, Collectors.counting()))));
        counts.put("kinds", group(cases.stream().collect(Collectors.groupingBy(CorpusCase::kind, TreeMap::new,
                Collectors.counting()))));
        return counts;
    }

    private static String group(Map<String, Long> counts) {
        return counts.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
    }

    private static String abbreviate(String body) {
        return body.length() <= 1500 ? body : body.substring(0, 1500) + "... (" + body.length() + " characters)";
    }
}
