package org.formulary.rest;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.Count;
import ca.uhn.fhir.rest.annotation.Create;
import ca.uhn.fhir.rest.annotation.Delete;
import ca.uhn.fhir.rest.annotation.History;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Update;
import ca.uhn.fhir.rest.annotation.Validate;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Optional;
import org.formulary.store.StoredResource;
import org.formulary.store.WriteOutcome;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * The REST interactions of one resource type, for every served type alike: parameters in, one store call, result
 * out. No SQL and no validation logic here; that lives behind {@link FormularyServices}. Thread-safe.
 */
public final class ResourceProvider implements IResourceProvider {

    private final Class<? extends IBaseResource> type;
    private final String typeName;
    private final FormularyServices services;

    public ResourceProvider(Class<? extends IBaseResource> type, FormularyServices services) {
        this.type = type;
        this.services = services;
        this.typeName = services.ctx().getResourceType(type);
    }

    @Override
    public Class<? extends IBaseResource> getResourceType() {
        return type;
    }

    @Read(version = true)
    public IBaseResource read(@IdParam IdType id) {
        Ids.requireValid(id.getIdPart());
        Optional<StoredResource> stored = id.hasVersionIdPart()
                ? services.store().vread(typeName, id.getIdPart(), Ids.version(id))
                : services.store().read(typeName, id.getIdPart());
        StoredResource resource = stored.orElseThrow(() -> new ResourceNotFoundException(id));
        if (resource.deleted()) {
            throw new ResourceGoneException("Resource " + typeName + "/" + id.getIdPart() + " was deleted in version "
                    + resource.versionId());
        }
        return services.parse(resource);
    }

    @Create
    public MethodOutcome create(@ResourceParam IBaseResource resource) {
        resource.setId((String) null);
        StoredResource stored = services.store().create(resource);
        return outcome(stored, true);
    }

    @Update
    public MethodOutcome update(@IdParam IdType id, @ResourceParam IBaseResource resource) {
        Ids.requireValid(id.getIdPart());
        if (!id.getIdPart().equals(resource.getIdElement().getIdPart())) {
            throw new InvalidRequestException("The resource's id (" + resource.getIdElement().getIdPart()
                    + ") must equal the id in the URL (" + id.getIdPart() + ")");
        }
        Long expected = id.hasVersionIdPart() ? Ids.version(id) : null;
        WriteOutcome written = Ids.onConflict(() -> services.store().update(typeName, id.getIdPart(), resource,
                expected));
        return outcome(written.resource(), written.created());
    }

    @Delete
    public MethodOutcome delete(@IdParam IdType id, RequestDetails request) {
        if (id == null || !id.hasIdPart()) {
            throw new InvalidRequestException("Conditional delete is not supported: DELETE needs [type]/[id]");
        }
        Ids.requireValid(id.getIdPart());
        Long expected = Ids.ifMatchVersion(request.getHeader("If-Match"));
        Optional<StoredResource> deleted = Ids.onConflict(() -> services.store().delete(typeName, id.getIdPart(),
                expected));
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

    @Search(allowUnknownParams = true)
    public Bundle search(RequestDetails request) {
        return services.search(typeName, request);
    }

    @History
    public Bundle instanceHistory(@IdParam IdType id, @Count Integer count, RequestDetails request) {
        Ids.requireValid(id.getIdPart());
        if (services.store().read(typeName, id.getIdPart()).isEmpty()) {
            throw new ResourceNotFoundException(id);
        }
        return services.history(Optional.of(typeName), Optional.of(id.getIdPart()), count, request);
    }

    @History
    public Bundle typeHistory(@Count Integer count, RequestDetails request) {
        return services.history(Optional.of(typeName), Optional.empty(), count, request);
    }

    @Validate
    public MethodOutcome validate(@ResourceParam IBaseResource resource, @IdParam(optional = true) IdType id,
            @Validate.Profile String profile) {
        IBaseResource target = resource;
        if (target == null && id != null) {
            target = read(id);
        }
        if (target == null) {
            throw new InvalidRequestException("$validate needs a resource in the body (or an instance id)");
        }
        String bodyType = services.ctx().getResourceType(target);
        if (!typeName.equals(bodyType)) {
            throw new InvalidRequestException("Incorrect resource type found, expected \"" + typeName
                    + "\" but found \"" + bodyType + "\"");
        }
        MethodOutcome outcome = new MethodOutcome();
        outcome.setOperationOutcome(services.validate(target, Ids.profileUrl(profile)));
        return outcome;
    }

    private MethodOutcome outcome(StoredResource stored, boolean created) {
        MethodOutcome outcome = new MethodOutcome(new IdType(typeName, stored.id(), Long.toString(stored.versionId())));
        outcome.setCreated(created);
        outcome.setResource(services.parse(stored));
        return outcome;
    }
}
