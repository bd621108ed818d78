package org.formulary.http;

import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.param.ParameterUtil;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.formulary.store.ResourceStore;
import org.formulary.store.VersionStamp;

/**
 * How a read or vread is answered from {@link ReadCache}, whichever layer answers it ({@link CachedReadInterceptor}
 * inside HAPI, {@link CachedReadHandler} in front of it): the current version of a resource, whether a conditional
 * read is a 304, and the headers of a 304 and of a 200 — the same headers HAPI would send. Thread-safe.
 */
final class ReadAnswers {

    private final ResourceStore store;
    private final ReadCache cache;
    private final ResponseCache responses;
    private final String poweredBy;
    private final String base;

    /**
     * @param poweredBy the {@code X-Powered-By} value of the server's other responses
     * @param base the FHIR base URL, for {@code Content-Location}
     */
    ReadAnswers(ResourceStore store, ReadCache cache, String poweredBy, String base) {
        this.store = store;
        this.cache = cache;
        this.responses = new ResponseCache(cache);
        this.poweredBy = poweredBy;
        this.base = base;
    }

    ReadCache cache() {
        return cache;
    }

    /** The whole answers to other anonymous GETs, kept while the data is unchanged. */
    ResponseCache responses() {
        return responses;
    }

    /** The current version of {@code type/id}, if it exists and is not deleted. */
    Optional<VersionStamp> current(String type, String id) {
        return cache.currentVersion(type, id, () -> store.currentStamp(type, id)).filter(s -> !s.deleted());
    }

    /**
     * Whether the client's copy is current: {@code If-None-Match} names the current version (in any ETag form), or,
     * without {@code If-None-Match}, the resource is not newer than {@code If-Modified-Since}.
     */
    static boolean notModified(String ifNoneMatch, String ifModifiedSince, VersionStamp current) {
        if (ifNoneMatch != null) {
            return Long.toString(current.versionId()).equals(ParameterUtil.parseETagValue(ifNoneMatch));
        }
        return ConditionalReadInterceptor.notModifiedSince(ifModifiedSince, current.lastUpdated().toEpochMilli());
    }

    /** The headers of a 304 (without a body): the validators and Cache-Control a 200 would carry (RFC 9110 15.4.5). */
    void notModifiedHeaders(long version, BiConsumer<String, String> header) {
        header.accept(Constants.HEADER_POWERED_BY, poweredBy);
        header.accept(Constants.HEADER_CACHE_CONTROL, ConditionalReadInterceptor.REVALIDATE);
        header.accept(Constants.HEADER_ETAG, etag(version));
    }

    /** The headers of a 200 with {@code body}, the version {@code key}; a vread's may be cached for a year. */
    void okHeaders(ReadCache.Key key, ReadCache.Body body, boolean vread, BiConsumer<String, String> header) {
        header.accept(Constants.HEADER_POWERED_BY, poweredBy);
        header.accept(Constants.HEADER_CACHE_CONTROL,
                vread ? ConditionalReadInterceptor.IMMUTABLE : ConditionalReadInterceptor.REVALIDATE);
        header.accept(Constants.HEADER_ETAG, etag(key.versionId()));
        header.accept(Constants.HEADER_CONTENT_LOCATION, base + "/" + key.type() + "/" + key.id() + "/"
                + Constants.PARAM_HISTORY + "/" + key.versionId());
        header.accept(Constants.HEADER_LAST_MODIFIED, body.lastModified());
        header.accept(Constants.HEADER_CONTENT_TYPE, key.contentType() + ";charset=utf-8");
    }

    private static String etag(long version) {
        return "W/\"" + version + "\"";
    }
}
