package org.formulary.http;

import ca.uhn.fhir.rest.api.Constants;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * The fast path of the most frequent request, a plain JSON read: answers {@code GET [base]/[type]/[id]} and
 * {@code GET [base]/[type]/[id]/_history/[vid]} straight from {@link ReadCache} in Jetty's own request handling,
 * before the servlet layer and HAPI, when the answer is already known — a 304 from the current version, or a 200
 * whose body is already cached — with the same status, headers and bytes as {@link CachedReadInterceptor} sends.
 *
 * <p>Everything else goes on to the servlets unchanged: other methods and paths, any query string, a body,
 * {@code Authorization} (its token is checked there), {@code Origin} (CORS answers there), an {@code Accept} other
 * than FHIR JSON, unknown or deleted resources, and a body not yet cached (HAPI's answer caches it). Until
 * {@link #open} it passes every request on. Thread-safe.
 */
public final class CachedReadHandler extends Handler.Wrapper {

    private static final String JSON = Constants.CT_FHIR_JSON_NEW;
    private static final Set<String> JSON_ACCEPTS = Set.of(JSON, "*/*");
    private static final Pattern READ = Pattern.compile(
            "([A-Z][A-Za-z]{1,63})/([A-Za-z0-9\\-.]{1,64})(?:/_history/([0-9]{1,18}))?");

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
        if (current != null && answerable(request) && answer(current, request, response, callback)) {
            return true;
        }
        return super.handle(request, response, callback);
    }

    private static boolean answerable(Request request) {
        HttpFields headers = request.getHeaders();
        String accept = headers.get(HttpHeader.ACCEPT);
        return HttpMethod.GET.is(request.getMethod()) && request.getHttpURI().getQuery() == null
                && !headers.contains(HttpHeader.AUTHORIZATION) && !headers.contains(HttpHeader.ORIGIN)
                && !headers.contains(HttpHeader.CONTENT_LENGTH) && !headers.contains(HttpHeader.TRANSFER_ENCODING)
                && (accept == null || JSON_ACCEPTS.contains(accept));
    }

    /** Answers {@code request} if it can; false if it must go on to the servlets. */
    private boolean answer(ReadAnswers current, Request request, Response response, Callback callback) {
        String path = request.getHttpURI().getPath();
        if (path == null || !path.startsWith(prefix)) {
            return false;
        }
        Matcher read = READ.matcher(path).region(prefix.length(), path.length());
        if (!read.matches()) {
            return false;
        }
        String type = read.group(1);
        String id = read.group(2);
        boolean vread = read.group(3) != null;
        HttpFields headers = request.getHeaders();
        String ifNoneMatch = headers.get(HttpHeader.IF_NONE_MATCH);
        String ifModifiedSince = headers.get(HttpHeader.IF_MODIFIED_SINCE);
        long version;
        if (vread) {
            if (ifNoneMatch != null || ifModifiedSince != null) {
                return false;
            }
            version = Long.parseLong(read.group(3));
        } else {
            Optional<VersionStamp> stamp = current.current(type, id);
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
        ReadCache.Key key = new ReadCache.Key(type, id, version, JSON, false);
        Optional<ReadCache.Body> body = current.cache().cachedBody(key);
        if (body.isEmpty()) {
            return false;
        }
        response.setStatus(HttpStatus.OK_200);
        HttpFields.Mutable out = response.getHeaders();
        current.okHeaders(key, body.get(), vread, out::put);
        out.put(new HttpField.LongValueHttpField(HttpHeader.CONTENT_LENGTH, body.get().bytes().length));
        response.write(true, ByteBuffer.wrap(body.get().bytes()), callback);
        return true;
    }
}
