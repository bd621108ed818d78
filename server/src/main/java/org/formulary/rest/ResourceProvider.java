package org.formulary.rest;

import ca.uhn.fhir.rest.annotation.ConditionalUrlParam;
import ca.uhn.fhir.rest.annotation.Create;
import ca.uhn.fhir.rest.annotation.Delete;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Update;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.Optional;
import java.util.UUID;
import org.formulary.search.SearchQuery;
import org.formulary.store.StoredResource;
import org.formulary.store.WriteOutcome;
import org.formulary.validation.ValidatingResourceStore;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * The REST interactions of one writable resource type: the reads of {@link ReadOnlyResourceProvider} plus create
 * (also conditional, {@code If-None-Exist}), update (also conditional, {@code PUT [type]?[search]}) and delete.
 * Parameters in, one call of the write path, result out; each write is recorded as made by the request's caller.
 * Thread-safe.
 */
public final class ResourceProvider extends ReadOnlyResourceProvider {

    public ResourceProvider(Class<? extends IBaseResource> type, FormularyServices services) {
        super(type, services);
    }

    @Create
    public MethodOutcome create(@ResourceParam IBaseResource resource, @ConditionalUrlParam String condition,
            RequestDetails request) {
        resource.setId((String) null);
        if (condition == null) {
            return outcome(services.writer(request).create(resource), true);
        }
        ConditionalWrites conditions = services.conditions();
        SearchQuery query = conditions.condition(typeName, condition);
        String id = UUID.randomUUID().toString();
        ValidatingResourceStore store = services.writer(request);
        store.prepare(resource);
        WriteOutcome written = store.inTransaction(w -> conditions.create(w, typeName, id, resource, query));
        return outcome(written.resource(), written.created());
    }

    @Update
    public MethodOutcome update(@IdParam IdType id, @ResourceParam IBaseResource resource,
            @ConditionalUrlParam String condition, RequestDetails request) {
        if (id == null || !id.hasIdPart()) {
            return conditionalUpdate(resource, condition, request);
        }
        Ids.requireValid(id.getIdPart());
        if (!id.getIdPart().equals(resource.getIdElement().getIdPart())) {
            throw new InvalidRequestException("The resource's id (" + resource.getIdElement().getIdPart()
                    + ") must equal the id in the URL (" + id.getIdPart() + ")");
        }
        Long expected = id.hasVersionIdPart() ? Ids.version(id) : null;
        WriteOutcome written = Ids.onConflict(() -> services.writer(request).update(typeName, id.getIdPart(),
                resource, expected));
        return outcome(written.resource(), written.created());
    }

    private MethodOutcome conditionalUpdate(IBaseResource resource, String condition, RequestDetails request) {
        if (condition == null) {
            throw new InvalidRequestException("An update needs [type]/[id] or a condition, [type]?[search]");
        }
        ConditionalWrites conditions = services.conditions();
        SearchQuery query = conditions.condition(typeName, condition);
        Long expected = Ids.ifMatchVersion(request.getHeader("If-Match"));
        ValidatingResourceStore store = services.writer(request);
        store.prepare(resource);
        WriteOutcome written = Ids.onConflict(() -> store.inTransaction(
                w -> conditions.update(w, typeName, resource, query, expected)));
        return outcome(written.resource(), written.created());
    }

    @Delete
    public MethodOutcome delete(@IdParam IdType id, RequestDetails request) {
        if (id == null || !id.hasIdPart()) {
            throw new InvalidRequestException("Conditional delete is not supported: DELETE needs [type]/[id]");
        }
        Ids.requireValid(id.getIdPart());
        Long expected = Ids.ifMatchVersion(request.getHeader("If-Match"));
        Optional<StoredResource> deleted = Ids.onConflict(() -> services.writer(request).delete(typeName,
                id.getIdPart(), expected));
        OperationOutcome oo = new OperationOutcome();
        oo.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.INFORMATION)
                .setCode(OperationOutcome.IssueType.INFORMATIONAL)
                .setDiagnostics(deleted.map(d -> "Deleted " + typeName + "/" + d.id() + "; version " + d.versionId()
                        + " records the deletion").orElse("Nothing to delete: " + typeName + "/" + id.getIdPart()
                        + " does not exist or is already deleted"));
        MethodOutcome outcome = new MethodOutcome();
        outcome.setOperationOutcome(oo);
        deleted.ifPresent(d -> outcome.setId(new IdType(typeName, d.id(), Long.toString(d.versionId()))));
        return outcome;
    }

    private MethodOutcome outcome(StoredResource stored, boolean created) {
        MethodOutcome outcome = new MethodOutcome(new IdType(typeName, stored.id(), Long.toString(stored.versionId())));
        outcome.setCreated(created);
        outcome.setResource(services.parse(stored));
        return outcome;
    }
}
