package org.formulary.validation;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.validation.ValidationResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.formulary.narrative.NarrativeGenerator;
import org.formulary.search.SearchQuery;
import org.formulary.store.HistoryPage;
import org.formulary.store.HistoryQuery;
import org.formulary.store.ResourceStore;
import org.formulary.store.SearchPage;
import org.formulary.store.StoredResource;
import org.formulary.store.VersionStamp;
import org.formulary.store.WriteEvent;
import org.formulary.store.WriteListener;
import org.formulary.store.WriteOutcome;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write path every resource takes, from clients and from the content loader alike: a create or update gets
 * its generated narrative (unless it brings one written by hand), is validated against the profile the conformance package registers for its type (and those in its
 * {@code meta.profile}) and stored only if the validator reports no error; otherwise it fails with
 * {@link UnprocessableEntityException} (HTTP 422) carrying the validator's OperationOutcome, and nothing is stored.
 * Reads pass straight through.
 *
 * <p>Registered {@link WriteListener}s hear about every write: {@link WriteListener#beforeWrite} first (before the
 * narrative and validation), {@link WriteListener#beforeDelete} before a deletion, and
 * {@link WriteListener#committed} once the write has committed; a listener's failure after the commit is logged and
 * never fails the write. Thread-safe.
 */
public final class ValidatingResourceStore implements ResourceStore {

    private static final Logger LOG = LoggerFactory.getLogger(ValidatingResourceStore.class);

    private final ResourceStore delegate;
    private final FhirContext ctx;
    private final ProfileValidator validator;
    private final ConformancePackage conformance;
    private final NarrativeGenerator narratives;
    private final List<WriteListener> listeners = new CopyOnWriteArrayList<>();

    public ValidatingResourceStore(
            ResourceStore delegate, FhirContext ctx, ProfileValidator validator, ConformancePackage conformance) {
        this.delegate = delegate;
        this.narratives = new NarrativeGenerator(ctx);
        this.ctx = ctx;
        this.validator = validator;
        this.conformance = conformance;
    }

    /** Adds {@code listener} to the listeners of every later write. */
    public void addListener(WriteListener listener) {
        listeners.add(listener);
    }

    /** Validates {@code resource} for storage: its type's registered profile plus its own claims. */
    public ValidationResult validateForWrite(IBaseResource resource) {
        String type = ctx.getResourceType(resource);
        return validator.validate(resource, conformance.profileFor(type).map(List::of).orElse(List.of()));
    }

    @Override
    public StoredResource create(IBaseResource resource) {
        prepare(ctx.getResourceType(resource), resource);
        StoredResource stored = delegate.create(resource);
        tell(listeners, new WriteEvent(WriteEvent.Kind.CREATE, stored));
        return stored;
    }

    @Override
    public WriteOutcome update(String type, String id, IBaseResource resource, Long expectedVersion) {
        prepare(type, resource);
        WriteOutcome written = delegate.update(type, id, resource, expectedVersion);
        if (written.changed()) {
            tell(listeners, new WriteEvent(written.created() ? WriteEvent.Kind.CREATE : WriteEvent.Kind.UPDATE,
                    written.resource()));
        }
        return written;
    }

    @Override
    public Optional<StoredResource> delete(String type, String id, Long expectedVersion) {
        List<WriteListener> after = new ArrayList<>(listeners.size());
        for (WriteListener listener : listeners) {
            try {
                after.add(listener.beforeDelete(type, id));
            } catch (RuntimeException e) {
                LOG.warn("Write listener {} failed before the deletion of {}/{}; it will not hear of it", listener,
                        type, id, e);
            }
        }
        Optional<StoredResource> deleted = delegate.delete(type, id, expectedVersion);
        deleted.ifPresent(d -> tell(after, new WriteEvent(WriteEvent.Kind.DELETE, d)));
        return deleted;
    }

    @Override
    public Optional<StoredResource> read(String type, String id) {
        return delegate.read(type, id);
    }

    @Override
    public Optional<VersionStamp> currentStamp(String type, String id) {
        return delegate.currentStamp(type, id);
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

    private void prepare(String type, IBaseResource resource) {
        for (WriteListener listener : listeners) {
            listener.beforeWrite(type, resource);
        }
        narratives.apply(resource);
        requireValid(resource);
    }

    private static void tell(List<WriteListener> listeners, WriteEvent event) {
        for (WriteListener listener : listeners) {
            try {
                listener.committed(event);
            } catch (RuntimeException e) {
                LOG.warn("Write listener {} failed on the committed {} of {}/{} version {}", listener, event.kind(),
                        event.type(), event.id(), event.version().versionId(), e);
            }
        }
    }

    @Override
    public void forEachAsOf(String type, Instant asOf, Optional<Instant> since, Consumer<StoredResource> action) {
        delegate.forEachAsOf(type, asOf, since, action);
    }

    @Override
    public Optional<StoredResource> readAsOf(String type, String id, Instant asOf) {
        return delegate.readAsOf(type, id, asOf);
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
