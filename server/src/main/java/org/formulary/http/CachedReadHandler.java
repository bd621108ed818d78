package org.formulary.http;

import ca.uhn.fhir.rest.api.Constants;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.formulary.store.VersionStamp;

/**
 * The fast path of the most frequent requests, anonymous JSON GETs, in Jetty's own request handling, before the
 * servlet layer and HAPI, with the same status, headers and bytes HAPI would send:
 *
 * <ul>
 *   <li>a plain read, {@code GET [base]/[type]/[id]} or {@code GET [base]/[type]/[id]/_history/[vid]}, is answered
 *       from {@link ReadCache} when the answer is known: a 304 from the current version, or a 200 whose body is
 *       cached (as {@link CachedReadInterceptor} would answer it); otherwise HAPI answers it and caches the body;
 *   <li>any other GET under the base (a search, history, {@code /metadata}) is answered from {@link ResponseCache}
 *       if HAPI answered the same request since the last committed write; otherwise HAPI answers it and the answer
 *       is kept. Operations ({@code $}), requests with {@code Prefer} and conditional requests are left to HAPI.
 * </ul>
 *
 * <p>Everything else goes on to the servlets unchanged: other methods and paths, a body, {@code Authorization} (its
 * token is checked there), {@code Origin} (CORS answers there), an {@code Accept} other than FHIR JSON. Until
 * {@link #open} it passes every request on. Thread-safe.
 */
public final class CachedReadHandler extends Handler.Wrapper {

    private static final String JSON = Constants.CT_FHIR_JSON_NEW;
    private static final Set<String> JSON_ACCEPTS = Set.of(JSON, "*/*");

    private final String prefix;
    private volatile ReadAnswers answers;

    /** Passes requests it does not answer to {@code next}; answers reads under {@code fhirPath} once opened. */
    public CachedReadHandler(Handler next, String fhirPath) {
        super(next);
        this.prefix = fhirPath + "/";
    }

    /** Answers reads with {@code readAnswers} from now on. */
    void open(ReadAnswers readAnswers) {
        this.answers = readAnswers;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        ReadAnswers current = answers;
        String path = request.getHttpURI().getPath();
        if (current == null || path == null || !path.startsWith(prefix) || !anonymousJsonGet(request)) {
            return super.handle(request, response, callback);
        }
        ReadPath read = request.getHttpURI().getQuery() == null ? ReadPath.parse(path, prefix.length()) : null;
        if (read != null) {
            return answer(current, read, request, response, callback) || super.handle(request, response, callback);
        }
        return answerOrKeep(current.responses(), request, response, callback);
    }

    private static boolean anonymousJsonGet(Request request) {
        HttpFields headers = request.getHeaders();
        String accept = headers.get(HttpHeader.ACCEPT);
        String length = headers.get(HttpHeader.CONTENT_LENGTH); // Java's HttpClient sends 0 with a GET
        return HttpMethod.GET.is(request.getMethod())
                && !headers.contains(HttpHeader.AUTHORIZATION) && !headers.contains(HttpHeader.ORIGIN)
                && (length == null || length.equals("0")) && !headers.contains(HttpHeader.TRANSFER_ENCODING)
                && (accept == null || JSON_ACCEPTS.contains(accept));
    }

    /** Answers the plain read {@code read} if the answer is known; false if it must go on to the servlets. */
    private static boolean answer(
            ReadAnswers current, ReadPath read, Request request, Response response, Callback callback) {
        HttpFields headers = request.getHeaders();
        String ifNoneMatch = headers.get(HttpHeader.IF_NONE_MATCH);
        String ifModifiedSince = headers.get(HttpHeader.IF_MODIFIED_SINCE);
        long version = read.version();
        if (read.vread()) {
            if (ifNoneMatch != null || ifModifiedSince != null) {
                return false;
            }
        } else {
            Optional<VersionStamp> stamp = current.current(read.type(), read.id());
            if (stamp.isEmpty()) {
                return false;
            }
            version = stamp.get().versionId();
            if (ReadAnswers.notModified(ifNoneMatch, ifModifiedSince, stamp.get())) {
                response.setStatus(HttpStatus.NOT_MODIFIED_304);
                HttpFields.Mutable out = response.getHeaders();
                current.notModifiedHeaders(version, out::put);
                out.put(new HttpField.LongValueHttpField(HttpHeader.CONTENT_LENGTH, 0));
                response.write(true, null, callback);
                return true;
            }
        }
        ReadCache.Key key = new ReadCache.Key(read.type(), read.id(), version, JSON, false);
        Optional<ReadCache.Body> body = current.cache().cachedBody(key);
        if (body.isEmpty()) {
            return false;
        }
        response.setStatus(HttpStatus.OK_200);
        HttpFields.Mutable out = response.getHeaders();
        current.okHeaders(key, body.get(), read.vread(), out::put);
        out.put(new HttpField.LongValueHttpField(HttpHeader.CONTENT_LENGTH, body.get().bytes().length));
        response.write(true, ByteBuffer.wrap(body.get().bytes()), callback);
        return true;
    }

    /** Answers any other GET from {@code responses}, or lets HAPI answer it and keeps the answer. */
    private boolean answerOrKeep(ResponseCache responses, Request request, Response response, Callback callback)
            throws Exception {
        HttpFields headers = request.getHeaders();
        OptionalLong writeCount = responses.writeCount();
        String target = request.getHttpURI().getPathQuery();
        if (writeCount.isEmpty() || target.indexOf('$') >= 0 || target.contains("%24")
                || headers.contains(HttpHeader.IF_NONE_MATCH) || headers.contains(HttpHeader.IF_MODIFIED_SINCE)
                || headers.contains(Constants.HEADER_PREFER)) {
            return super.handle(request, response, callback);
        }
        ResponseCache.Key key = new ResponseCache.Key(target, headers.get(HttpHeader.ACCEPT),
                headers.get(HttpHeader.ACCEPT_ENCODING));
        Optional<ResponseCache.Answer> kept = responses.find(key);
        if (kept.isPresent()) {
            response.setStatus(HttpStatus.OK_200);
            HttpFields.Mutable out = response.getHeaders();
            kept.get().headers().forEach(out::add);
            out.put(new HttpField.LongValueHttpField(HttpHeader.CONTENT_LENGTH, kept.get().body().length));
            response.write(true, ByteBuffer.wrap(kept.get().body()), callback);
            return true;
        }
        RecordingResponse recording = new RecordingResponse(request, response, ResponseCache.MAX_BODY_BYTES);
        return super.handle(request, recording,
                recording.callback(callback, responses, key, writeCount.getAsLong()));
    }
}
