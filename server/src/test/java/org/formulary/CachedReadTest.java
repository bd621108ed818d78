package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.hl7.fhir.r4.model.Medication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Reads answered from cached response bytes: byte for byte what HAPI answers itself (an authenticated request, or
 * one with another parameter such as {@code _summary=false}, takes HAPI's path), with the same headers, never stale
 * after a write, and conditional reads answered from the version alone. Anonymous searches answered again from the
 * kept answer until a write is committed.
 */
class CachedReadTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    /** Headers that differ between any two responses. */
    private static final Set<String> PER_RESPONSE = Set.of("date", "x-request-id", "content-length", "transfer-encoding");

    @Test
    void cachedReadsEqualWhatHapiAnswersInEveryFormat() throws Exception {
        String path = "/MedicationKnowledge/baclofen-10mg-tablet";
        for (String variant : List.of("", "?_format=xml", "?_pretty=true", "?_format=json&_pretty=true")) {
            String hapiPath = path + (variant.isEmpty() ? "?" : variant + "&") + "_summary=false";
            HttpResponse<String> hapi = SERVER.get(hapiPath);
            for (int attempt = 1; attempt <= 2; attempt++) { // a miss that serializes, then a hit
                HttpResponse<String> cached = SERVER.get(path + variant);
                assertEquals(200, cached.statusCode(), variant);
                assertEquals(hapi.body(), cached.body(), variant + ", read " + attempt);
                assertEquals(headers(hapi), headers(cached), variant + ", read " + attempt);
            }
        }
        HttpResponse<String> accept = SERVER.send(SERVER.request(path).header("Accept", "application/fhir+xml").GET());
        assertTrue(accept.body().startsWith("<MedicationKnowledge"), accept.body());
    }

    @Test
    void vreadsEqualWhatHapiAnswers() throws Exception {
        String path = "/Medication/baclofen-20mg-tablet/_history/1";
        HttpResponse<String> hapi = SERVER.get(path + "?_summary=false");
        for (int attempt = 1; attempt <= 2; attempt++) {
            HttpResponse<String> cached = SERVER.get(path);
            assertEquals(hapi.body(), cached.body());
            assertEquals(headers(hapi), headers(cached));
        }
    }

    @Test
    void aWriteIsReadAtOnceAndOldVersionsStayReadable() throws Exception {
        Medication medication = TestData.markedMedication("cached-read", "cached-read");
        String path = "/Medication/cached-read";
        assertEquals(201, put(path, medication).statusCode());
        assertTrue(SERVER.get(path).body().contains("Test drug cached-read"));
        HttpResponse<String> notModified = conditional(path, "W/\"1\"");
        assertEquals(304, notModified.statusCode());
        assertEquals("", notModified.body());
        assertEquals("W/\"1\"", notModified.headers().firstValue("ETag").orElse(""));
        assertEquals("no-cache", notModified.headers().firstValue("Cache-Control").orElse(""));

        medication.getCode().setText("Test drug cached-read, second version");
        assertEquals(200, put(path, medication).statusCode());
        HttpResponse<String> second = SERVER.get(path);
        assertEquals("W/\"2\"", second.headers().firstValue("ETag").orElse(""));
        assertTrue(second.body().contains("second version"), second.body());
        assertEquals(200, conditional(path, "W/\"1\"").statusCode(), "version 1 is no longer current");
        assertEquals(304, conditional(path, "W/\"2\"").statusCode());
        assertTrue(SERVER.get(path + "/_history/1").body().contains("\"versionId\":\"1\""));

        assertEquals(200, SERVER.send(SERVER.request(path).DELETE()).statusCode());
        assertEquals(410, SERVER.get(path).statusCode());
        assertEquals(410, conditional(path, "W/\"2\"").statusCode(), "a deleted resource is gone, not unmodified");
        assertEquals(200, SERVER.get(path + "/_history/2").statusCode());
    }

    @Test
    void anonymousJsonReadsAnsweredInFrontOfHapiEqualHapisAnswer() throws Exception {
        for (String path : List.of("/MedicationKnowledge/tizanidine-4mg-tablet", "/Medication/diazepam-5mg-tablet",
                "/Medication/diazepam-5mg-tablet/_history/1")) {
            HttpResponse<String> hapi = SERVER.get(path + "?_summary=false");
            assertEquals(200, hapi.statusCode(), path);
            for (int attempt = 1; attempt <= 3; attempt++) { // the first fills the cache through HAPI
                for (String accept : new String[] {null, "application/fhir+json", "*/*"}) {
                    HttpRequest.Builder request = SERVER.anonymousRequest(path);
                    if (accept != null) {
                        request.header("Accept", accept);
                    }
                    HttpResponse<String> cached = SERVER.send(request.GET());
                    String what = path + " with Accept " + accept + ", read " + attempt;
                    assertEquals(hapi.body(), cached.body(), what);
                    assertEquals(headers(hapi), headers(cached), what);
                }
            }
        }
        String path = "/Medication/diazepam-5mg-tablet";
        HttpResponse<String> hapiNotModified = conditional(path, "W/\"1\"");
        HttpResponse<String> notModified =
                SERVER.send(SERVER.anonymousRequest(path).header("If-None-Match", "W/\"1\"").GET());
        assertEquals(304, notModified.statusCode());
        assertEquals(headers(hapiNotModified), headers(notModified));
        assertEquals(200, SERVER.send(SERVER.anonymousRequest(path).header("If-None-Match", "W/\"0\"").GET())
                .statusCode());
    }

    @Test
    void corsOtherFormatsAndDeletionsStillReachTheServlet() throws Exception {
        Medication medication = TestData.markedMedication("cached-anonymous", "cached-anonymous");
        String path = "/Medication/cached-anonymous";
        assertEquals(201, put(path, medication).statusCode());
        for (int i = 0; i < 2; i++) {
            assertEquals(200, SERVER.send(SERVER.anonymousRequest(path).GET()).statusCode());
        }
        HttpResponse<String> cors =
                SERVER.send(SERVER.anonymousRequest(path).header("Origin", "https://app.example").GET());
        assertEquals("https://app.example", cors.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
        HttpResponse<String> xml =
                SERVER.send(SERVER.anonymousRequest(path).header("Accept", "application/fhir+xml").GET());
        assertTrue(xml.body().startsWith("<Medication"), xml.body());
        assertEquals(200, SERVER.send(SERVER.request(path).DELETE()).statusCode());
        assertEquals(410, SERVER.send(SERVER.anonymousRequest(path).GET()).statusCode());
        assertEquals(200, SERVER.send(SERVER.anonymousRequest(path + "/_history/1").GET()).statusCode());
    }

    @Test
    void searchAndHistoryPagesSplicedFromCachedBodiesEqualWhatHapiWrites() throws Exception {
        Medication medication = TestData.markedMedication("spliced", "spliced");
        assertEquals(201, put("/Medication/spliced", medication).statusCode());
        assertEquals(200, SERVER.send(SERVER.request("/Medication/spliced").DELETE()).statusCode());
        for (String path : List.of("/MedicationKnowledge?status=active&_count=4",
                "/Basic?_include=Basic:subject&_count=3", "/Medication?_id=spliced,baclofen-10mg-tablet",
                "/_history?_count=6", "/Medication/spliced/_history")) {
            String hapiPath = path + "&_format=json".replaceFirst("^&", path.contains("?") ? "&" : "?");
            HttpResponse<String> hapi = SERVER.get(hapiPath);
            for (int attempt = 1; attempt <= 2; attempt++) { // bodies encoded here, then taken from the cache
                HttpResponse<String> spliced = SERVER.get(path);
                assertEquals(200, spliced.statusCode(), spliced.body());
                assertEquals(withoutPageIdentity(hapi.body()), withoutPageIdentity(spliced.body()), path);
                Map<String, List<String>> hapiHeaders = headers(hapi);
                Map<String, List<String>> splicedHeaders = headers(spliced);
                hapiHeaders.remove("last-modified");
                splicedHeaders.remove("last-modified");
                if (path.contains("_history")) {
                    // HAPI points a history Bundle's Content-Location at /Bundle/[its random id], which cannot be
                    // read; the spliced answer leaves that header out.
                    hapiHeaders.remove("content-location");
                }
                assertEquals(hapiHeaders, splicedHeaders, path);
            }
        }
    }

    /** The Bundle without what differs from one response to the next: its id, meta and links (with _format). */
    private static JsonNode withoutPageIdentity(String json) throws Exception {
        ObjectNode bundle = (ObjectNode) new ObjectMapper().readTree(json);
        bundle.remove(List.of("id", "meta", "link"));
        return bundle;
    }

    @Test
    void anonymousSearchAnswersAreKeptUntilAWriteIsCommitted() throws Exception {
        String search = "/Medication?code=" + URLEncoder.encode(TestData.MARKER_SYSTEM + "|" + TestData.marker("kept"),
                StandardCharsets.UTF_8);
        HttpResponse<String> first = anonymousGet(search);
        assertEquals(200, first.statusCode(), first.body());
        assertEquals(0, total(first));
        HttpResponse<String> again = anonymousGet(search);
        assertEquals(first.body(), again.body(), "the kept answer, byte for byte (HAPI makes a new Bundle.id)");
        assertEquals(headers(first), headers(again));

        assertEquals(201, put("/Medication/kept-1", TestData.markedMedication("kept-1", "kept")).statusCode());
        HttpResponse<String> afterWrite = anonymousGet(search);
        assertEquals(1, total(afterWrite), "a committed write ends every kept answer: " + afterWrite.body());
        assertEquals(afterWrite.body(), anonymousGet(search).body());

        HttpClient http = HttpClient.newHttpClient();
        for (int attempt = 1; attempt <= 2; attempt++) {
            HttpResponse<byte[]> gzip = http.send(SERVER.anonymousRequest(search).header("Accept-Encoding", "gzip")
                    .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals("gzip", gzip.headers().firstValue("Content-Encoding").orElse(""), "attempt " + attempt);
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip.body()))) {
                JsonNode bundle = new ObjectMapper().readTree(in);
                assertEquals(1, bundle.get("total").asInt(), "attempt " + attempt);
            }
        }

        String lenient = "/Medication?no-such-parameter=1";
        assertEquals(200, anonymousGet(lenient).statusCode());
        assertEquals(200, anonymousGet(lenient).statusCode());
        HttpResponse<String> strict = SERVER.send(SERVER.anonymousRequest(lenient)
                .header("Prefer", "handling=strict").GET());
        assertEquals(400, strict.statusCode(), "Prefer is HAPI's to answer: " + strict.body());

        HttpResponse<String> metadata = anonymousGet("/metadata");
        assertEquals(200, metadata.statusCode());
        assertEquals(metadata.body(), anonymousGet("/metadata").body());
        assertEquals(withoutPageIdentity(SERVER.get("/metadata").body()), withoutPageIdentity(metadata.body()));
    }

    @Test
    void pathsThatAreNotPlainReadsAnswerAsHapiDoes() throws Exception {
        String read = "/Medication/diazepam-5mg-tablet";
        assertEquals(200, SERVER.get(read).statusCode());
        assertEquals(200, SERVER.get(read + "/_history/1").statusCode());
        for (String path : List.of(read, read + "/_history/1", read + "/", read + "/_history/", read + "/_history/x1",
                read + "/_history/1/", read + "/_history/1/x", read + "/_history/1234567890123456789",
                "/medication/diazepam-5mg-tablet", "/M/diazepam-5mg-tablet", "/MedicationX/diazepam-5mg-tablet",
                "/Medication/" + "a".repeat(65), "/Medication/diazepam_5mg", "/Medication//diazepam-5mg-tablet")) {
            HttpResponse<String> hapi = SERVER.get(path);
            HttpResponse<String> anonymous = SERVER.send(SERVER.anonymousRequest(path).GET());
            assertEquals(hapi.statusCode(), anonymous.statusCode(), path + ": " + anonymous.body());
            assertTrue(anonymous.statusCode() < 500, path + ": " + anonymous.body());
            if (hapi.statusCode() == 200) { // a read, or a history Bundle (with an id and meta of its own)
                assertEquals(withoutPageIdentity(hapi.body()), withoutPageIdentity(anonymous.body()), path);
            }
        }
    }

    @Test
    void unknownAndInvalidIdsKeepTheirErrors() throws Exception {
        assertEquals(404, SERVER.get("/Medication/no-such-drug").statusCode());
        assertEquals(404, SERVER.get("/Medication/baclofen-10mg-tablet/_history/99").statusCode());
        assertEquals(404, SERVER.get("/Medication/no-such-drug/_history/1").statusCode());
        HttpResponse<String> invalid = SERVER.get("/Medication/not_a*valid*id");
        assertEquals(400, invalid.statusCode(), invalid.body());
        assertTrue(invalid.body().contains("OperationOutcome"), invalid.body());
    }

    private static HttpResponse<String> anonymousGet(String path) throws Exception {
        return SERVER.send(SERVER.anonymousRequest(path).GET());
    }

    private static int total(HttpResponse<String> searchset) throws Exception {
        return new ObjectMapper().readTree(searchset.body()).get("total").asInt();
    }

    private static HttpResponse<String> put(String path, Medication medication) throws Exception {
        return SERVER.send(SERVER.request(path).header("Content-Type", "application/fhir+json")
                .PUT(HttpRequest.BodyPublishers.ofString(TestData.parser().encodeResourceToString(medication))));
    }

    private static HttpResponse<String> conditional(String path, String etag) throws Exception {
        return SERVER.send(SERVER.request(path).header("If-None-Match", etag).GET());
    }

    private static Map<String, List<String>> headers(HttpResponse<String> response) {
        Map<String, List<String>> headers = new TreeMap<>();
        response.headers().map().forEach((name, values) -> {
            if (!PER_RESPONSE.contains(name.toLowerCase())) {
                headers.put(name.toLowerCase(), values);
            }
        });
        return headers;
    }
}
