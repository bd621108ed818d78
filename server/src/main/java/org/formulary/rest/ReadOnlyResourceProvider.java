package org.formulary.rest;

import ca.uhn.fhir.rest.annotation.Count;
import ca.uhn.fhir.rest.annotation.History;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Validate;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Optional;
import org.formulary.store.StoredResource;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;

/**
 * The read interactions of one resource type (read, vread, search, history, {@code $validate}), for every served
 * type alike; served alone for the types clients may not write ({@code Provenance}), and extended by
 * {@link ResourceProvider} with the writes. No SQL and no validation logic here; that lives behind
 * {@link FormularyServices}. Thread-safe.
 */
public class ReadOnlyResourceProvider implements IResourceProvider {

    private final Class<? extends IBaseResource> type;
    final String typeName;
    final FormularyServices services;

    public ReadOnlyResourceProvider(Class<? extends IBaseResource> type, FormularyServices services) {
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
}
