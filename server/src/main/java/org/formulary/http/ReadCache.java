package org.formulary.http;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import ca.uhn.fhir.util.DateUtils;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.formulary.store.StoredResource;
import org.formulary.store.VersionStamp;
import org.formulary.store.WriteEvent;
import org.formulary.store.WriteListener;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * What {@link CachedReadInterceptor} answers reads from, so that a read costs neither a database query nor JSON
 * parsing and encoding: the current version of each resource read lately, and the serialized response bodies of
 * versions, per output variant (content type, pretty).
 *
 * <p>A version never changes, so a body is never stale; the bodies of replaced versions, no longer asked for, are
 * the first to go when the bodies exceed {@value #MAX_BYTES} bytes (least recently used first). The current
 * versions are updated by every write of this server ({@link WriteListener}, after the commit) and a version only
 * ever replaces an older one, so a read that raced with a write cannot bring an old version back. They are kept
 * only when this server is the database's only writer ({@link #forSingleWriter()}, an H2 file database, which one
 * process holds): with a database that other server nodes write to ({@link #forSharedDatabase()}, PostgreSQL) the
 * current version is looked up on every read, so a write through one node is read through any other at once.
 * Thread-safe.
 */
public final class ReadCache implements WriteListener {

    static final long MAX_BYTES = 64L * 1024 * 1024;

    /** One resource. */
    record Id(String type, String id) {}

    /** One version's body in one output variant. */
    record Key(String type, String id, long versionId, String contentType, boolean pretty) {}

    /** A response body and the {@code Last-Modified} value of the version it holds. */
    record Body(byte[] bytes, String lastModified) {

        /**
         * The body of {@code resource}, a version last updated at {@code lastUpdated} (epoch ms), encoded as
         * {@code request} asks (format, pretty, _summary, _elements).
         */
        static Body encode(FhirContext ctx, RequestDetails request, IBaseResource resource, long lastUpdated) {
            String text = RestfulServerUtils.getNewParser(ctx, ctx.getVersion().getVersion(), request)
                    .encodeResourceToString(resource);
            return new Body(text.getBytes(StandardCharsets.UTF_8), DateUtils.formatDate(new Date(lastUpdated)));
        }
    }

    private final Cache<Key, Body> bodies = Caffeine.newBuilder()
            .maximumWeight(MAX_BYTES)
            .weigher((Key key, Body body) -> body.bytes().length + 128)
            .build();

    private final Cache<Id, VersionStamp> versions = Caffeine.newBuilder()
            .maximumSize(1_000_000)
            .build();
    private final boolean remembersVersions;
    private final AtomicLong writes = new AtomicLong();

    private ReadCache(boolean remembersVersions) {
        this.remembersVersions = remembersVersions;
    }

    /** For a server that is its database's only writer: current versions are remembered. */
    public static ReadCache forSingleWriter() {
        return new ReadCache(true);
    }

    /** For a database that other server nodes write to: current versions are looked up on every read. */
    public static ReadCache forSharedDatabase() {
        return new ReadCache(false);
    }

    /** The current version of {@code type/id}; if unknown, from {@code lookup}. */
    Optional<VersionStamp> currentVersion(String type, String id, Supplier<Optional<VersionStamp>> lookup) {
        if (!remembersVersions) {
            return lookup.get();
        }
        Id key = new Id(type, id);
        VersionStamp known = versions.getIfPresent(key);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<VersionStamp> found = lookup.get();
        found.ifPresent(stamp -> learn(key, stamp));
        return found;
    }

    /** The body of {@code key}, if it is kept. */
    Optional<Body> cachedBody(Key key) {
        return Optional.ofNullable(bodies.getIfPresent(key));
    }

    /** The body of {@code key}; if absent, computed by {@code body} and kept unless that is empty. */
    Optional<Body> body(Key key, Supplier<Optional<Body>> body) {
        Body cached = bodies.getIfPresent(key);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<Body> computed = body.get();
        computed.ifPresent(b -> bodies.put(key, b));
        return computed;
    }

    /**
     * How many writes this server has committed, while it is the database's only writer (empty otherwise: then
     * nothing derived from stored data may be kept). What was made from the data when this number was {@code n}
     * still holds while it is {@code n}.
     */
    OptionalLong writeCount() {
        return remembersVersions ? OptionalLong.of(writes.get()) : OptionalLong.empty();
    }

    @Override
    public void committed(WriteEvent event) {
        if (!remembersVersions) {
            return;
        }
        writes.incrementAndGet();
        StoredResource version = event.version();
        learn(new Id(event.type(), event.id()),
                new VersionStamp(version.versionId(), version.lastUpdated(), version.deleted()));
    }

    private void learn(Id key, VersionStamp stamp) {
        versions.asMap().merge(key, stamp, (known, found) -> found.versionId() > known.versionId() ? found : known);
    }
}
