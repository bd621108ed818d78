package org.formulary;

import static org.formulary.TestData.FHIR_JSON;
import static org.formulary.TestData.FHIR_XML;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ca.uhn.fhir.parser.IParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every error a client can cause gets the right 4xx status and an OperationOutcome (FHIR JSON, or XML when asked)
 * with an error issue whose diagnostics say what was wrong; never a 5xx or an HTML page. Rejected writes leave the
 * database as it was: the target's history, the Medication total and the server's history total are unchanged.
 * Tests that write work on Medications they create, so the loaded content stays intact whatever the server does.
 */
class ErrorHandlingTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    private static final String EXISTING = "baclofen-5mg-tablet";

    // ---- reads ------------------------------------------------------------------------------------------------

    @Test
    void unknownResourceTypeIs404() throws Exception {
        assertOperationOutcome(SERVER.get("/NoSuchType/1"), 404, "Unknown resource type 'NoSuchType'");
        assertOperationOutcome(SERVER.get("/NoSuchType"), 404, "Unknown resource type 'NoSuchType'");
    }

    @Test
    void unknownIdIs404InTheAskedFormat() throws Exception {
        assertOperationOutcome(SERVER.get("/Medication/does-not-exist"), 404, "Medication/does-not-exist is not known");
        HttpResponse<String> xml = SERVER.send(SERVER.request("/Medication/does-not-exist")
                .header("Accept", FHIR_XML).GET());
        assertOperationOutcome(xml, 404, "Medication/does-not-exist is not known", FHIR_XML);
        assertOperationOutcome(SERVER.send(SERVER.request("/Medication/does-not-exist?_format=xml").GET()), 404,
                "Medication/does-not-exist is not known", FHIR_XML);
    }

    @Test
    void readAfterDeleteIs410() throws Exception {
        String id = createMedication();
        HttpResponse<String> deleted = SERVER.send(SERVER.request("/Medication/" + id)
                .header("Accept", FHIR_JSON).DELETE());
        assertEquals(200, deleted.statusCode(), deleted.body());

        assertOperationOutcome(SERVER.get("/Medication/" + id), 410, "was deleted");
        assertOperationOutcome(SERVER.get("/Medication/" + id + "/_history/2"), 410, "was deleted");
    }

    @Test
    void vreadOfNonexistentVersionIs404() throws Exception {
        assertOperationOutcome(SERVER.get("/Medication/" + EXISTING + "/_history/99"), 404,
                "Medication/" + EXISTING + "/_history/99 is not known");
    }

    @Test
    void vreadWithNonNumericVersionIs400() throws Exception {
        assertOperationOutcome(SERVER.get("/Medication/" + EXISTING + "/_history/abc"), 400, "Invalid version 'abc'");
    }

    @Test
    void readWithInvalidIdIs400() throws Exception {
        assertOperationOutcome(SERVER.get("/Medication/bad_id"), 400, "Invalid resource id 'bad_id'");
        assertOperationOutcome(SERVER.get("/Medication/" + "a".repeat(65)), 400, "Invalid resource id");
    }

    @Test
    void historyOfUnknownResourceIs404() throws Exception {
        assertOperationOutcome(SERVER.get("/Medication/does-not-exist/_history"), 404, "Medication/does-not-exist");
    }

    @Test
    void unknownOperationIs400() throws Exception {
        assertOperationOutcome(SERVER.get("/Medication/$nope"), 400, "does not know how to handle");
    }

    @Test
    void requestToTheBaseItselfIs400() throws Exception {
        assertOperationOutcome(SERVER.get("/"), 400, "base URL");
    }

    @Test
    void wrongMethodOnMetadataIs405() throws Exception {
        assertOperationOutcome(SERVER.send(SERVER.request("/metadata").header("Accept", FHIR_JSON).DELETE()),
                405, "GET");
    }

    @Test
    void pathOutsideFhirBaseIs404WithOperationOutcome() throws Exception {
        URI root = URI.create(SERVER.baseUrl()).resolve("/nothing");
        assertOperationOutcome(SERVER.send(HttpRequest.newBuilder(root).GET()), 404, "No FHIR endpoint at /nothing");
    }

    /** Requests Jetty refuses before they reach HAPI; java.net.http cannot send them, so they go over a socket. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ';', value = {
        "bad percent escape in the path; 400; URI",
        "no URI in the request line; 400; URI",
        "non-numeric Content-Length; 400; Content-Length",
        "20000-character path; 414; URI Too Long",
    })
    void requestsJettyRefusesGetOperationOutcomes(String what, int status, String diagnostics) throws Exception {
        String head = switch (what) {
            case "bad percent escape in the path" -> "GET /fhir/Medication/%zz HTTP/1.1";
            case "no URI in the request line" -> "GARBAGE";
            case "non-numeric Content-Length" -> "GET /fhir/Medication HTTP/1.1\r\nContent-Length: abc";
            default -> "GET /fhir/Medication/" + "x".repeat(20_000) + " HTTP/1.1";
        };
        URI base = URI.create(SERVER.baseUrl());
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\nHost: localhost\r\nAccept: " + FHIR_JSON + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String raw = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int split = raw.indexOf("\r\n\r\n");
            String headers = raw.substring(0, split);
            String contentType = headers.lines()
                    .filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-type:"))
                    .map(l -> l.substring("content-type:".length()).trim())
                    .findFirst().orElse("");
            assertOutcome(Integer.parseInt(headers.substring(9, 12)), contentType, raw.substring(split + 4), status,
                    diagnostics, FHIR_JSON, what);
        }
    }

    // ---- search and history parameters ------------------------------------------------------------------------

    @ParameterizedTest(name = "GET /Medication?{0} -> 400 naming {1}")
    @CsvSource(delimiter = ';', quoteCharacter = '"', value = {
        "_lastUpdated=notadate; '_lastUpdated'",
        "_lastUpdated=gt2024-13-45; '_lastUpdated'",
        "_count=abc; '_count'",
        "_count=-1; '_count'",
        "code:unknownmodifier=x; ':unknownmodifier'",
        "_sort=name; '_sort'",
        "_sort=_id,_lastUpdated; '_sort'",
        "_cursor=garbage; '_cursor'",
        "code:missing=maybe; 'code:missing'",
        "_id=; '_id'",
        "_total=bogus; _total",
        "_summary=bogus; _summary",
    })
    void invalidSearchValueIs400(String query, String named) throws Exception {
        int before = medicationTotal();
        assertOperationOutcome(SERVER.get("/Medication?" + query), 400, named);
        assertEquals(before, medicationTotal());
    }

    @Test
    void invalidSearchValueInPostedSearchIs400() throws Exception {
        HttpResponse<String> r = SERVER.send(SERVER.request("/Medication/_search").header("Accept", FHIR_JSON)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(BodyPublishers.ofString("_count=abc")));
        assertOperationOutcome(r, 400, "'_count'");
    }

    @ParameterizedTest(name = "GET {0} -> 400 naming {1}")
    @CsvSource(delimiter = ';', value = {
        "/Medication/" + EXISTING + "/_history?_since=notadate; notadate",
        "/Medication/_history?_cursor=abc; _cursor",
        "/_history?_count=abc; _count",
    })
    void invalidHistoryParameterIs400(String path, String named) throws Exception {
        assertOperationOutcome(SERVER.get(path), 400, named);
    }

    @Test
    void unknownSearchParameterIsIgnoredAndDroppedFromSelfLink() throws Exception {
        HttpResponse<String> r = SERVER.get("/Medication?nosuchparam=x&_count=2");
        assertEquals(200, r.statusCode(), r.body());
        assertFhirContentType(r.headers().firstValue("Content-Type").orElse(""), FHIR_JSON, r.body());
        String self = json().parseResource(Bundle.class, r.body()).getLink("self").getUrl();
        assertFalse(self.contains("nosuchparam"), self);
        assertTrue(self.contains("_count=2"), self);
    }

    @Test
    void unknownSearchParameterWithStrictHandlingIs400() throws Exception {
        HttpResponse<String> r = SERVER.send(SERVER.request("/Medication?nosuchparam=x")
                .header("Accept", FHIR_JSON).header("Prefer", "handling=strict").GET());
        assertOperationOutcome(r, 400, "Unknown search parameter 'nosuchparam'");
    }

    // ---- content negotiation ----------------------------------------------------------------------------------

    @Test
    void unsupportedFormatParameterIs406() throws Exception {
        assertOperationOutcome(SERVER.get("/Medication/" + EXISTING + "?_format=text/plain"), 406,
                "Unsupported _format 'text/plain'");
    }

    @Test
    void unsupportedAcceptIs406() throws Exception {
        assertOperationOutcome(SERVER.send(SERVER.request("/Medication/" + EXISTING).header("Accept", "text/plain").GET()),
                406, "text/plain");
        assertOperationOutcome(SERVER.send(SERVER.request("/Medication/" + EXISTING)
                .header("Accept", "application/fhir+json;q=0").GET()), 406, "q=0");
    }

    @Test
    void postWithTextPlainContentTypeIs415() throws Exception {
        assertRejectedCreate(SERVER.request("/Medication").header("Content-Type", "text/plain"),
                validMedicationJson(null), 415, "Unsupported Content-Type 'text/plain'");
    }

    @Test
    void postWithoutContentTypeIs415() throws Exception {
        assertRejectedCreate(SERVER.request("/Medication"), validMedicationJson(null), 415, "Unsupported Content-Type");
    }

    @Test
    void postedSearchWithTextPlainIs415() throws Exception {
        HttpResponse<String> r = SERVER.send(SERVER.request("/Medication/_search").header("Accept", FHIR_JSON)
                .header("Content-Type", "text/plain").POST(BodyPublishers.ofString("code=x")));
        assertOperationOutcome(r, 415, "text/plain");
    }

    // ---- bad creates ------------------------------------------------------------------------------------------

    @Test
    void malformedJsonOnCreateIs400() throws Exception {
        assertRejectedCreate(jsonPost(), "{\"resourceType\":\"Medication\",\"status\":}", 400,
                "not well-formed JSON: Unexpected character ('}' (code 125)): expected a value (line 1, column 39)");
    }

    @Test
    void truncatedJsonOnCreateIs400() throws Exception {
        String body = validMedicationJson(null);
        assertRejectedCreate(jsonPost(), body.substring(0, body.length() / 2), 400, "Unexpected end-of-input");
    }

    @Test
    void emptyBodyOnCreateIs400() throws Exception {
        assertRejectedCreate(jsonPost(), "", 400, "Did not find any content");
    }

    @Test
    void jsonThatIsNotAResourceIs400() throws Exception {
        assertRejectedCreate(jsonPost(), "[1,2]", 400, "Failed to parse request body as JSON");
        assertRejectedCreate(jsonPost(), "{\"status\":\"active\"}", 400, "resourceType");
        assertRejectedCreate(jsonPost(), "<Medication xmlns=\"http://hl7.org/fhir\"/>", 400,
                "not well-formed JSON");
    }

    @Test
    void malformedXmlOnCreateIs400InXml() throws Exception {
        assertRejectedCreate(SERVER.request("/Medication").header("Content-Type", FHIR_XML).header("Accept", FHIR_XML),
                "<Medication xmlns=\"http://hl7.org/fhir\"><status value=\"active\"/>", 400,
                "Failed to parse request body as XML", FHIR_XML);
        assertRejectedCreate(SERVER.request("/Medication").header("Content-Type", FHIR_XML).header("Accept", FHIR_XML),
                "{\"resourceType\":\"Medication\"}", 400, "Failed to parse request body as XML", FHIR_XML);
    }

    @Test
    void bodyOfAnotherResourceTypeIs400() throws Exception {
        assertRejectedCreate(jsonPost(), "{\"resourceType\":\"Patient\",\"active\":true}", 400,
                "expected \"Medication\" but found \"Patient\"");
    }

    @Test
    void unknownElementIs400() throws Exception {
        // The server parses strictly: an element FHIR does not define is a client error, not silently dropped.
        String body = validMedicationJson(null).replaceFirst("\\{", "{\"flavour\":\"mint\",");
        assertRejectedCreate(jsonPost(), body, 400, "Unknown element 'flavour'");
    }

    @Test
    void invalidCodeIs400() throws Exception {
        String body = validMedicationJson(null).replace("\"status\":\"active\"", "\"status\":\"bogus\"");
        assertRejectedCreate(jsonPost(), body, 400, "'bogus'");
    }

    @Test
    void createWithIdInTheUrlIs400() throws Exception {
        assertRejectedCreate(SERVER.request("/Medication/chosen-id").header("Content-Type", FHIR_JSON),
                validMedicationJson(null), 400, "Can not create resource with ID \"chosen-id\"");
    }

    @Test
    void profileViolationIs422WithLocatedIssues() throws Exception {
        OperationOutcome oo = assertRejectedCreate(jsonPost(), "{\"resourceType\":\"Medication\",\"status\":\"active\"}",
                422, "Medication.code");
        assertTrue(oo.getIssue().stream()
                        .filter(i -> i.getSeverity() == IssueSeverity.ERROR)
                        .allMatch(i -> i.hasExpression() || i.hasLocation()),
                "every error issue has a location or expression: " + json().encodeResourceToString(oo));
        assertErrorIssue(oo, "Medication.form", "");
        assertErrorIssue(oo, "Medication.ingredient", "");
    }

    // ---- bad updates, patches and deletes ---------------------------------------------------------------------

    @Test
    void updateWithBodyOfAnotherResourceTypeIs400() throws Exception {
        String id = createMedication();
        assertRejectedUpdate(id, jsonPut(id), "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\"}", 400,
                "expected \"Medication\" but found \"Patient\"");
    }

    @Test
    void updateWhoseBodyIdDiffersFromUrlIs400() throws Exception {
        String id = createMedication();
        assertRejectedUpdate(id, jsonPut(id), changed(validMedicationJson("some-other-id")), 400,
                "Resource body ID of \"some-other-id\" does not match URL ID");
    }

    @Test
    void updateWithoutIdInBodyIs400() throws Exception {
        String id = createMedication();
        assertRejectedUpdate(id, jsonPut(id), changed(validMedicationJson(null)), 400,
                "resource body must contain an ID element");
    }

    @Test
    void updateWithoutIdInUrlIs400() throws Exception {
        assertRejectedCreate(SERVER.request("/Medication").header("Content-Type", FHIR_JSON).method("PUT",
                BodyPublishers.ofString(validMedicationJson(EXISTING))), null, 400, "request URL must contain an ID");
    }

    @Test
    void updateWithInvalidIdIs400() throws Exception {
        assertRejectedCreate(jsonPut("bad_id").method("PUT", BodyPublishers.ofString(validMedicationJson("bad_id"))),
                null, 400, "Invalid resource id 'bad_id'");
    }

    @Test
    void updateOfUnknownTypeIs404() throws Exception {
        assertRejectedCreate(SERVER.request("/NoSuchType/1").header("Content-Type", FHIR_JSON).method("PUT",
                BodyPublishers.ofString("{\"resourceType\":\"NoSuchType\",\"id\":\"1\"}")), null, 404,
                "Unknown resource type 'NoSuchType'");
    }

    @Test
    void updateWithStaleIfMatchIs412() throws Exception {
        String id = createMedication();
        assertRejectedUpdate(id, jsonPut(id).header("If-Match", "W/\"99\""), changed(validMedicationJson(id)), 412,
                "If-Match asked for version 99 but the current version is 1");
    }

    @Test
    void updateWithNonNumericIfMatchIs400() throws Exception {
        String id = createMedication();
        assertRejectedUpdate(id, jsonPut(id).header("If-Match", "W/\"abc\""), changed(validMedicationJson(id)), 400,
                "Invalid version 'abc'");
    }

    @Test
    void updateViolatingProfileIs422() throws Exception {
        String id = createMedication();
        assertRejectedUpdate(id, jsonPut(id), "{\"resourceType\":\"Medication\",\"id\":\"" + id
                + "\",\"status\":\"inactive\"}", 422, "Medication.code");
    }

    @Test
    void patchIsNotAllowed() throws Exception {
        String id = createMedication();
        assertRejectedUpdate(id, SERVER.request("/Medication/" + id).header("Accept", FHIR_JSON)
                        .header("Content-Type", "application/json-patch+json"),
                "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"inactive\"}]", 405, "PATCH is not allowed",
                "PATCH");
    }

    @Test
    void deleteWithStaleIfMatchIs412() throws Exception {
        String id = createMedication();
        int versions = historyVersions(id);
        int medications = medicationTotal();
        HttpResponse<String> r = SERVER.send(SERVER.request("/Medication/" + id)
                .header("Accept", FHIR_JSON).header("If-Match", "W/\"99\"").DELETE());
        assertOperationOutcome(r, 412, "99");
        assertEquals(versions, historyVersions(id), "versions of Medication/" + id + " after a rejected delete");
        assertEquals(medications, medicationTotal(), "Medication total after a rejected delete");
    }

    @ParameterizedTest(name = "DELETE {0} -> 400")
    @CsvSource({"/Medication", "/Medication?code=430902"})
    void deleteWithoutIdIs400(String path) throws Exception {
        int medications = medicationTotal();
        int versions = allVersions();
        assertOperationOutcome(SERVER.send(SERVER.request(path).header("Accept", FHIR_JSON).DELETE()), 400, "id");
        assertEquals(medications, medicationTotal(), "Medication total after a rejected delete");
        assertEquals(versions, allVersions(), "server history after a rejected delete");
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** Asserts a JSON OperationOutcome with {@code status} and an error issue whose diagnostics contain the text. */
    private static OperationOutcome assertOperationOutcome(HttpResponse<String> r, int status, String diagnostics) {
        return assertOperationOutcome(r, status, diagnostics, FHIR_JSON);
    }

    private static OperationOutcome assertOperationOutcome(HttpResponse<String> r, int status, String diagnostics,
            String mediaType) {
        return assertOutcome(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(), status,
                diagnostics, mediaType, r.request().method() + " " + r.request().uri());
    }

    private static OperationOutcome assertOutcome(int actualStatus, String contentType, String body, int status,
            String diagnostics, String mediaType, String request) {
        String context = request + " -> " + actualStatus + " " + contentType + "\n" + body;
        assertTrue(actualStatus < 500, "server error: " + context);
        assertFalse(body.toLowerCase(Locale.ROOT).contains("<html"), "HTML body: " + context);
        assertEquals(status, actualStatus, context);
        assertFhirContentType(contentType, mediaType, context);
        IParser parser = mediaType.equals(FHIR_XML) ? SERVER.clientContext().newXmlParser() : json();
        OperationOutcome oo = parser.parseResource(OperationOutcome.class, body);
        assertErrorIssue(oo, diagnostics, context);
        return oo;
    }

    private static void assertErrorIssue(OperationOutcome oo, String diagnostics, String context) {
        assertTrue(oo.getIssue().stream().anyMatch(i -> i.getSeverity() == IssueSeverity.ERROR
                        && i.hasDiagnostics() && i.getDiagnostics().contains(diagnostics)),
                "no error issue whose diagnostics contain '" + diagnostics + "': " + context);
    }

    private static void assertFhirContentType(String contentType, String mediaType, String context) {
        String expected = mediaType.equals(FHIR_XML) ? "fhir+xml" : "fhir+json";
        assertTrue(contentType.contains(expected), "Content-Type '" + contentType + "', expected " + mediaType
                + ": " + context);
    }

    /**
     * Sends {@code request} (POSTing {@code body} unless null, then the request carries its own method and body),
     * asserts the rejection, and that no resource or version was added anywhere.
     */
    private static OperationOutcome assertRejectedCreate(HttpRequest.Builder request, String body, int status,
            String diagnostics) throws Exception {
        return assertRejectedCreate(request, body, status, diagnostics, FHIR_JSON);
    }

    private static OperationOutcome assertRejectedCreate(HttpRequest.Builder request, String body, int status,
            String diagnostics, String mediaType) throws Exception {
        int medications = medicationTotal();
        int versions = allVersions();
        if (body != null) {
            request.POST(BodyPublishers.ofString(body));
        }
        if (mediaType.equals(FHIR_JSON)) {
            request.header("Accept", FHIR_JSON);
        }
        OperationOutcome oo = assertOperationOutcome(SERVER.send(request), status, diagnostics, mediaType);
        assertEquals(medications, medicationTotal(), "Medication total after a rejected write");
        assertEquals(versions, allVersions(), "server history after a rejected write");
        return oo;
    }

    /** PUTs {@code body} and asserts the rejection, and that the target, its history and the totals are unchanged. */
    private static void assertRejectedUpdate(String id, HttpRequest.Builder request, String body, int status,
            String diagnostics) throws Exception {
        assertRejectedUpdate(id, request, body, status, diagnostics, "PUT");
    }

    private static void assertRejectedUpdate(String id, HttpRequest.Builder request, String body, int status,
            String diagnostics, String method) throws Exception {
        int medications = medicationTotal();
        int versions = allVersions();
        int targetVersions = historyVersions(id);
        String current = SERVER.get("/Medication/" + id).body();
        assertOperationOutcome(SERVER.send(request.method(method, BodyPublishers.ofString(body))), status, diagnostics);
        assertEquals(targetVersions, historyVersions(id), "versions of Medication/" + id + " after a rejected update");
        assertEquals(current, SERVER.get("/Medication/" + id).body(), "Medication/" + id + " after a rejected update");
        assertEquals(medications, medicationTotal(), "Medication total after a rejected update");
        assertEquals(versions, allVersions(), "server history after a rejected update");
    }

    private static HttpRequest.Builder jsonPost() {
        return SERVER.request("/Medication").header("Content-Type", FHIR_JSON);
    }

    private static HttpRequest.Builder jsonPut(String id) {
        return SERVER.request("/Medication/" + id).header("Content-Type", FHIR_JSON).header("Accept", FHIR_JSON);
    }

    /** A Medication that conforms to the formulary profile: the 5 mg tablet's content, with {@code id} (or none). */
    private static String validMedicationJson(String id) throws IOException {
        Medication medication = TestData.contentMedication(EXISTING);
        medication.setMeta(null);
        medication.setId(id);
        return json().encodeResourceToString(medication);
    }

    /** The same Medication, made inactive: a real change, so that a wrongly accepted write would add a version. */
    private static String changed(String medicationJson) {
        return medicationJson.replace("\"status\":\"active\"", "\"status\":\"inactive\"");
    }

    /** Creates a conforming Medication and returns its id. */
    private static String createMedication() throws Exception {
        HttpResponse<String> r = SERVER.send(jsonPost().header("Accept", FHIR_JSON)
                .POST(BodyPublishers.ofString(validMedicationJson(null))));
        assertEquals(201, r.statusCode(), r.body());
        return json().parseResource(Medication.class, r.body()).getIdElement().getIdPart();
    }

    private static int medicationTotal() throws Exception {
        return total("/Medication?_total=accurate&_count=1");
    }

    private static int allVersions() throws Exception {
        return total("/_history?_count=1");
    }

    private static int historyVersions(String id) throws Exception {
        return total("/Medication/" + id + "/_history");
    }

    private static int total(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = SERVER.get(path);
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        Bundle bundle = json().parseResource(Bundle.class, r.body());
        assertTrue(bundle.hasTotal(), path + " has a total");
        return bundle.getTotal();
    }

    private static IParser json() {
        return SERVER.clientContext().newJsonParser();
    }
}
