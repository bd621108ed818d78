package org.formulary.validation;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.formulary.narrative.NarrativeGenerator;
import org.formulary.search.SearchQuery;
import org.formulary.store.HistoryPage;
import org.formulary.store.HistoryQuery;
import org.formulary.store.ResourceStore;
import org.formulary.store.SearchPage;
import org.formulary.store.StoredResource;
import org.formulary.store.WriteOutcome;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * The write path every resource takes, from clients and from the content loader alike: a create or update gets
 * its generated narrative (unless it brings one written by hand), is validated against the profile the conformance package registers for its type (and those in its
 * {@code meta.profile}) and stored only if the validator reports no error; otherwise it fails with
 * {@link UnprocessableEntityException} (HTTP 422) carrying the validator's OperationOutcome, and nothing is stored.
 * Reads pass straight through. Thread-safe.
 */
public final class ValidatingResourceStore implements ResourceStore {

    private final ResourceStore delegate;
    private final FhirContext ctx;
    private final ProfileValidator validator;
    private final ConformancePackage conformance;
    private final NarrativeGenerator narratives;

    public ValidatingResourceStore(
            ResourceStore delegate, FhirContext ctx, ProfileValidator validator, ConformancePackage conformance) {
        this.delegate = delegate;
        this.narratives = new NarrativeGenerator(ctx);
        this.ctx = ctx;
        this.validator = validator;
        this.conformance = conformance;
    }

    /** Validates {@code resource} for storage: its type's registered profile plus its own claims. */
    public ValidationResult validateForWrite(IBaseResource resource) {
        String type = ctx.getResourceType(resource);
        return validator.validate(resource, conformance.profileFor(type).map(List::of).orElse(List.of()));
    }

    @Override
    public StoredResource create(IBaseResource resource) {
        narratives.apply(resource);
        requireValid(resource);
        return delegate.create(resource);
    }

    @Override
    public WriteOutcome update(String type, String id, IBaseResource resource, Long expectedVersion) {
        narratives.apply(resource);
        requireValid(resource);
        return delegate.update(type, id, resource, expectedVersion);
    }

    @Override
    public Optional<StoredResource> delete(String type, String id, Long expectedVersion) {
        return delegate.delete(type, id, expectedVersion);
    }

    @Override
    public Optional<StoredResource> read(String type, String id) {
        return delegate.read(type, id);
    }

    @Override
    public Optional<StoredResource> vread(String type, String id, long versionId) {
        return delegate.vread(type, id, versionId);
    }

    @Override
    public HistoryPage history(HistoryQuery query) {
        return delegate.history(query);
    }

    @Override
    public SearchPage search(SearchQuery query) {
        return delegate.search(query);
    }

    @Override
    public List<StoredResource> referencedBy(
            String sourceType, Collection<String> sourceIds, String param, Optional<String> targetType, int limit) {
        return delegate.referencedBy(sourceType, sourceIds, param, targetType, limit);
    }

    @Override
    public List<StoredResource> referencing(String type, String param, Collection<String> targets, int limit) {
        return delegate.referencing(type, param, targets, limit);
    }

    private void requireValid(IBaseResource resource) {
        // Profiles may require meta.lastUpdated (Da Vinci's do); the store sets the real value when it writes.
        if (resource.getMeta().getLastUpdated() == null) {
            resource.getMeta().setLastUpdated(new java.util.Date());
        }
        ValidationResult result = validateForWrite(resource);
        if (ProfileValidator.hasErrors(result)) {
            throw new UnprocessableEntityException(ctx, result.toOperationOutcome());
        }
    }
}
