package org.formulary.http;

import ca.uhn.fhir.rest.api.Constants;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * Whole answers to the anonymous GETs that are not plain reads (searches, history, {@code /metadata}, reads with
 * parameters), as HAPI wrote them, kept for as long as the data they were made from is unchanged: an answer made
 * when the server had committed {@code n} writes ({@link ReadCache#writeCount()}) is given again only while that is
 * still {@code n}, so a client never gets an answer that a committed write has made stale. The same request (target,
 * {@code Accept}, {@code Accept-Encoding}) then costs neither a database query nor encoding.
 *
 * <p>Only a server that is its database's only writer keeps answers (with a shared database another node's write
 * would go unseen). Only 200 answers of at most {@value #MAX_BODY_BYTES} bytes are kept, at most {@value #MAX_BYTES}
 * bytes in all (least recently used first out). The per-response headers ({@code Date}, {@code X-Request-ID}) are
 * not kept, nor the framing ({@code Content-Length} is sent anew). Thread-safe.
 */
final class ResponseCache {

    static final long MAX_BYTES = 32L * 1024 * 1024;
    static final int MAX_BODY_BYTES = 1024 * 1024;
    private static final Set<String> NOT_KEPT = notKept();

    /** One request: the path with its query, and the request headers HAPI's answer depends on. */
    record Key(String target, String accept, String acceptEncoding) {}

    /** One answer: the write count it was made at, its headers and body. */
    record Answer(long writeCount, List<HttpField> headers, byte[] body) {}

    private final ReadCache reads;
    private final Cache<Key, Answer> answers = Caffeine.newBuilder()
            .maximumWeight(MAX_BYTES)
            .weigher((Key key, Answer answer) -> answer.body().length + 2 * key.target().length() + 512)
            .build();

    private static Set<String> notKept() {
        Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        names.addAll(List.of(HttpHeader.DATE.asString(), Constants.HEADER_REQUEST_ID,
                HttpHeader.CONTENT_LENGTH.asString(), HttpHeader.TRANSFER_ENCODING.asString(),
                HttpHeader.CONNECTION.asString()));
        return names;
    }

    ResponseCache(ReadCache reads) {
        this.reads = reads;
    }

    /** The write count an answer made from now on would be kept with; empty if answers are not kept. */
    OptionalLong writeCount() {
        return reads.writeCount();
    }

    /** The kept answer to {@code key}, if it is still current. */
    Optional<Answer> find(Key key) {
        OptionalLong now = reads.writeCount();
        Answer answer = now.isPresent() ? answers.getIfPresent(key) : null;
        return answer != null && answer.writeCount() == now.getAsLong() ? Optional.of(answer) : Optional.empty();
    }

    /**
     * Keeps the answer to {@code key} with {@code status}, {@code headers} and {@code body}, made from the data as
     * of {@code writeCount}, if it is worth keeping (a 200, not too large) and still current.
     */
    void keep(Key key, long writeCount, int status, HttpFields headers, byte[] body) {
        if (status != 200 || body.length > MAX_BODY_BYTES || headers.contains(HttpHeader.SET_COOKIE)
                || reads.writeCount().orElse(-1) != writeCount) {
            return;
        }
        List<HttpField> kept = headers.stream().filter(field -> !NOT_KEPT.contains(field.getName())).toList();
        answers.put(key, new Answer(writeCount, kept, body));
    }
}
