package org.formulary.export;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The responses of the export endpoints, written directly to the servlet response. Stateless, thread-safe. */
final class ExportResponses {

    static final String FHIR_JSON = "application/fhir+json;charset=utf-8";
    static final String JSON = "application/json;charset=utf-8";
    static final String NDJSON = "application/fhir+ndjson";
    /** Seconds a client should wait before polling again. */
    static final String RETRY_AFTER = "2";

    private ExportResponses() {}

    /** A body of {@code contentType} with {@code status}. */
    static void body(HttpServletResponse response, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setContentType(contentType);
        response.setContentLength(bytes.length);
        try (OutputStream out = response.getOutputStream()) {
            out.write(bytes);
        }
    }

    /** 202 for a job still running: {@code X-Progress} and {@code Retry-After}, no body. */
    static void inProgress(HttpServletResponse response, String progress) throws IOException {
        response.setStatus(202);
        response.setHeader("X-Progress", progress);
        response.setHeader("Retry-After", RETRY_AFTER);
        response.setContentLength(0);
        response.getOutputStream().close();
    }

    /** 200 with an NDJSON file, streamed from disk. */
    static void file(HttpServletResponse response, Path file) throws IOException {
        response.setStatus(200);
        response.setContentType(NDJSON);
        response.setContentLengthLong(Files.size(file));
        try (OutputStream out = response.getOutputStream()) {
            Files.copy(file, out);
        }
    }
}
