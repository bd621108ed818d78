package org.formulary.http;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPInputStream;

/**
 * Reads the body of a POST, PUT or PATCH once, before HAPI parses it, and refuses a body the server will not take:
 * larger than the limit (by its {@code Content-Length} before reading, while it streams, or once gunzipped) with
 * 413; not arrived within the connection's idle timeout (a slow client, or a {@code Content-Length} larger than
 * what is sent) with 408; compressed other than with gzip with 415; not valid UTF-8 (FHIR JSON and XML are UTF-8)
 * with 400. HAPI then parses the bytes read here. Immutable, thread-safe.
 */
@Interceptor
public final class RequestBodyInterceptor {

    private static final Set<String> BODY_METHODS = Set.of("POST", "PUT", "PATCH");
    private static final int CHUNK = 8192;

    private final int maxBytes;
    private final Duration timeout;

    /**
     * @param maxBytes the largest body accepted, in bytes
     * @param timeout the connection idle timeout that ends a body that stops arriving (for the message only)
     */
    public RequestBodyInterceptor(int maxBytes, Duration timeout) {
        this.maxBytes = maxBytes;
        this.timeout = timeout;
    }

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public void readBody(RequestDetails request, HttpServletRequest servletRequest) {
        if (!BODY_METHODS.contains(servletRequest.getMethod())) {
            return;
        }
        long declared = servletRequest.getContentLengthLong();
        if (declared > maxBytes) {
            if (declared <= 2L * maxBytes && !expectsContinue(servletRequest)) {
                swallow(servletRequest, declared);
            }
            throw tooLarge("its Content-Length is " + declared + " bytes");
        }
        byte[] body = request.getRequestContentsIfLoaded();
        if (body == null) {
            body = read(servletRequest);
        } else if (body.length > maxBytes) {
            throw tooLarge("it has " + body.length + " bytes");
        }
        byte[] decoded = decode(servletRequest.getHeader("Content-Encoding"), body);
        requireUtf8(decoded);
        request.setRequestContents(decoded);
    }

    private byte[] read(HttpServletRequest servletRequest) {
        try (InputStream in = servletRequest.getInputStream()) {
            return bounded(in, "more than " + maxBytes + " bytes arrived");
        } catch (IOException e) {
            if (causedByTimeout(e)) {
                throw HttpErrors.requestTimeout("The request body did not arrive within " + timeout.toMillis()
                        + " ms (is its Content-Length larger than the body sent?)");
            }
            throw new InvalidRequestException("The request body could not be read: it ended early or the connection"
                    + " failed");
        }
    }

    private byte[] decode(String contentEncoding, byte[] body) {
        if (contentEncoding == null || contentEncoding.isBlank()
                || contentEncoding.trim().equalsIgnoreCase("identity")) {
            return body;
        }
        if (!contentEncoding.trim().toLowerCase(Locale.ROOT).equals("gzip")) {
            throw HttpErrors.unsupportedMediaType("Unsupported Content-Encoding '" + contentEncoding
                    + "': send the body uncompressed or gzip-compressed");
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return bounded(in, "it is more than " + maxBytes + " bytes once decompressed");
        } catch (IOException e) {
            throw new InvalidRequestException("The request body is not valid gzip (Content-Encoding: gzip)");
        }
    }

    /** All of {@code in}, or 413 as soon as it exceeds the limit (after swallowing up to the limit more). */
    private byte[] bounded(InputStream in, String tooLargeReason) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[CHUNK];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            if (out.size() + n > maxBytes) {
                discard(in, maxBytes);
                throw tooLarge(tooLargeReason);
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    /**
     * Reads and drops a body about to be refused, so that a client still sending it reads the 413 rather than a
     * reset connection (as Tomcat's "swallow" does). Only bodies of up to twice the limit are swallowed, and never one
     * the client holds back until told to continue ({@code Expect: 100-continue}: the 413 answers it unsent).
     */
    private static void swallow(HttpServletRequest servletRequest, long length) {
        try (InputStream in = servletRequest.getInputStream()) {
            discard(in, length);
        } catch (IOException e) {
            // the connection failed: the 413 is answered (or not) all the same
        }
    }

    /** Reads and drops at most {@code atMost} bytes of {@code in}; a failure to read ends it. */
    private static void discard(InputStream in, long atMost) {
        byte[] buffer = new byte[CHUNK];
        long left = atMost;
        try {
            for (int n = in.read(buffer); n >= 0 && left > 0; n = in.read(buffer)) {
                left -= n;
            }
        } catch (IOException e) {
            // a client that stops sending or drops the connection gets its 413 (or not) all the same
        }
    }

    private static boolean expectsContinue(HttpServletRequest servletRequest) {
        String expect = servletRequest.getHeader("Expect");
        return expect != null && expect.trim().equalsIgnoreCase("100-continue");
    }

    private PayloadTooLargeException tooLarge(String reason) {
        return HttpErrors.tooLarge(reason, maxBytes);
    }

    private static void requireUtf8(byte[] body) {
        ByteBuffer bytes = ByteBuffer.wrap(body);
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes);
        } catch (CharacterCodingException e) {
            throw new InvalidRequestException("The request body is not valid UTF-8 (at byte " + bytes.position()
                    + "): FHIR JSON and XML are encoded in UTF-8");
        }
    }

    private static boolean causedByTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }
}
