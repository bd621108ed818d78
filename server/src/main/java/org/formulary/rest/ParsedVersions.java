package org.formulary.rest;

import ca.uhn.fhir.context.FhirContext;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.formulary.store.StoredResource;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Resource;

/**
 * The resources held by stored versions, each parsed once. A version never changes, so the resource parsed from
 * it is kept, keyed by the version's change-feed position ({@link StoredResource#seq()}, which no two versions
 * share), and every caller gets a deep copy of its own that it may change: copying costs a few percent of parsing
 * (HAPI builds an XHTML entity table for every narrative it parses). Kept versions weigh their JSON length; beyond
 * {@value #MAX_JSON_CHARS} characters the least recently used go first. Thread-safe.
 */
public final class ParsedVersions {

    static final long MAX_JSON_CHARS = 16L * 1024 * 1024;

    /** A parsed version and the length of its JSON. */
    private record Parsed(Resource resource, int jsonLength) {}

    private final FhirContext ctx;
    private final Cache<Long, Parsed> parsed = Caffeine.newBuilder()
            .maximumWeight(MAX_JSON_CHARS)
            .weigher((Long seq, Parsed p) -> p.jsonLength())
            .build();

    public ParsedVersions(FhirContext ctx) {
        this.ctx = ctx;
    }

    /** A new copy of the resource held by {@code stored}, which must not be a deletion. */
    public IBaseResource resource(StoredResource stored) {
        Parsed kept = parsed.get(stored.seq(), seq -> new Parsed(
                (Resource) ctx.newJsonParser().parseResource(stored.json()), stored.json().length()));
        return kept.resource().copy();
    }
}
