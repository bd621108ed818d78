package org.formulary.clinical;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.formulary.search.Criterion;
import org.formulary.search.Cursor;
import org.formulary.search.SearchQuery;
import org.formulary.search.SearchValue;
import org.formulary.search.SortOrder;
import org.formulary.store.ResourceStore;
import org.formulary.store.SearchPage;
import org.formulary.store.StoredResource;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Typed reads and complete searches over the store for the server's operations: current versions only, parsed into
 * model classes. Thread-safe.
 */
public final class StoredResources {

    private static final int PAGE = 500;

    private final ResourceStore store;
    private final FhirContext ctx;

    public StoredResources(ResourceStore store, FhirContext ctx) {
        this.store = store;
        this.ctx = ctx;
    }

    /** The current, non-deleted version of {@code type/id}. */
    public <T extends IBaseResource> Optional<T> read(Class<T> type, String id) {
        return store.read(ctx.getResourceType(type), id)
                .filter(stored -> !stored.deleted())
                .map(stored -> parse(type, stored));
    }

    /** Every current resource of {@code type} whose token parameter {@code param} matches one of {@code codes}. */
    public <T extends IBaseResource> List<T> byToken(Class<T> type, String param, List<SearchValue.Token> codes) {
        return all(type, new Criterion(param, RestSearchParameterTypeEnum.TOKEN, null, List.copyOf(codes)));
    }

    /** Every current resource of {@code type} whose reference parameter {@code param} points at one of targets. */
    public <T extends IBaseResource> List<T> byReference(Class<T> type, String param, List<SearchValue.Ref> targets) {
        if (targets.isEmpty()) {
            return List.of();
        }
        return all(type, new Criterion(param, RestSearchParameterTypeEnum.REFERENCE, null, List.copyOf(targets)));
    }

    private <T extends IBaseResource> List<T> all(Class<T> type, Criterion criterion) {
        List<T> results = new ArrayList<>();
        Optional<Cursor> cursor = Optional.empty();
        do {
            SearchPage page = store.search(new SearchQuery(ctx.getResourceType(type), List.of(criterion),
                    SortOrder.ID_ASC, PAGE, cursor, false));
            page.matches().forEach(stored -> results.add(parse(type, stored)));
            cursor = page.next();
        } while (cursor.isPresent());
        return results;
    }

    private <T extends IBaseResource> T parse(Class<T> type, StoredResource stored) {
        return ctx.newJsonParser().parseResource(type, stored.json());
    }
}
