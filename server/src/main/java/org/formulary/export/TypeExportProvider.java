package org.formulary.export;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;

/**
 * Bulk Data kick-off for one served type, registered next to the type's {@code ResourceProvider}:
 * <ul>
 *   <li>{@code GET|POST [base]/[Type]/$export} — every resource of the type;</li>
 *   <li>{@code GET|POST [base]/[Type]/[id]/$export} — the resource and everything it references, transitively
 *       (for a formulary: {@code InsurancePlan/[id]/$export}); {@code _type} filters what is written.</li>
 * </ul>
 * Status and files are served by {@link ExportOperations}. Thread-safe.
 */
public final class TypeExportProvider implements IResourceProvider {

    private final Class<? extends IBaseResource> type;
    private final String typeName;
    private final KickOff kickOff;

    public TypeExportProvider(Class<? extends IBaseResource> type, String typeName, KickOff kickOff) {
        this.type = type;
        this.typeName = typeName;
        this.kickOff = kickOff;
    }

    @Override
    public Class<? extends IBaseResource> getResourceType() {
        return type;
    }

    /** Type-level kick-off without an id, instance-level with one. */
    @Operation(name = "$export", idempotent = true, manualResponse = true)
    public void export(
            @IdParam(optional = true) IdType id,
            @OperationParam(name = "_outputFormat") String outputFormat,
            @OperationParam(name = "_since") String since,
            @OperationParam(name = "_type", max = OperationParam.MAX_UNLIMITED) List<String> types,
            ServletRequestDetails request) throws IOException {
        kickOff.start(request, outputFormat, since, types, Optional.of(typeName), Optional.ofNullable(id));
    }
}
