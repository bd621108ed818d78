package org.formulary.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The serialized response bodies of reads, keyed by resource version and output variant (content type, pretty),
 * so that a read of a version already served costs no JSON parsing or encoding. A version never changes, so an
 * entry is never stale and a write needs no invalidation: {@link CachedReadInterceptor} looks up the current
 * version on every read, which also keeps several server nodes on one database correct, and the bodies of replaced
 * versions, no longer asked for, are the first to go when the bodies exceed {@value #MAX_BYTES} bytes in all
 * (least recently used first). Thread-safe.
 */
final class ReadCache {

    static final long MAX_BYTES = 64L * 1024 * 1024;

    /** One version's body in one output variant. */
    record Key(String type, String id, long versionId, String contentType, boolean pretty) {}

    /** A response body and the lastUpdated (epoch ms) of the version it holds. */
    record Body(byte[] bytes, long lastUpdated) {}

    private final Cache<Key, Body> bodies = Caffeine.newBuilder()
            .maximumWeight(MAX_BYTES)
            .weigher((Key key, Body body) -> body.bytes().length + 128)
            .build();

    /** The body of {@code key}; if absent, computed by {@code body} and kept unless that is empty. */
    Optional<Body> get(Key key, Supplier<Optional<Body>> body) {
        Body cached = bodies.getIfPresent(key);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<Body> computed = body.get();
        computed.ifPresent(b -> bodies.put(key, b));
        return computed;
    }
}
