package org.formulary.export;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.formulary.store.ResourceStore;
import org.formulary.store.StoredResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;

/**
 * Handles a Bulk Data kick-off at any level: checks the request, checks that an instance-level export's resource
 * exists, starts the job and answers {@code 202 Accepted} with the status URL in {@code Content-Location} and an
 * informational OperationOutcome. Thread-safe.
 */
public final class KickOff {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

    private final BulkExportService service;
    private final ResourceStore store;
    private final Set<String> servedTypes;
    private final ExportLines lines;

    /**
     * @param servedTypes the types this server serves: what a system-level export covers
     */
    public KickOff(BulkExportService service, ResourceStore store, FhirContext ctx, Set<String> servedTypes) {
        this.service = service;
        this.store = store;
        this.servedTypes = Set.copyOf(servedTypes);
        this.lines = new ExportLines(ctx);
    }

    /**
     * Starts an export: system-level without {@code type}, type-level with {@code type}, instance-level with
     * {@code type} and {@code id}.
     */
    void start(ServletRequestDetails request, String outputFormat, String since, List<String> types,
            Optional<String> type, Optional<IdType> id) throws IOException {
        Optional<ResourceId> focus = id.filter(IdType::hasIdPart).map(i -> new ResourceId(type.orElseThrow(),
                i.getIdPart()));
        Set<String> scope = type.isPresent() && focus.isEmpty() ? Set.of(type.get()) : servedTypes;
        ExportRequest parsed = ExportRequestParser.parse(request, outputFormat, since, types, scope, focus);
        focus.ifPresent(this::requireCurrent);
        ExportJob job = service.kickOff(parsed);
        String statusUrl = request.getFhirServerBase() + "/" + ExportOperations.POLL_STATUS + "?_jobId=" + job.id();
        request.getServletResponse().setHeader("Content-Location", statusUrl);
        ExportResponses.body(request.getServletResponse(), 202, ExportResponses.FHIR_JSON,
                lines.outcome(IssueSeverity.INFORMATION, IssueType.INFORMATIONAL, "Export job " + job.id()
                        + " accepted as of " + job.transactionTime() + "; poll " + statusUrl + " for its status"));
    }

    private void requireCurrent(ResourceId focus) {
        if (!ID.matcher(focus.id()).matches()) {
            throw new InvalidRequestException("Invalid resource id '" + focus.id()
                    + "': an id is 1 to 64 letters, digits, '-' or '.'");
        }
        StoredResource stored = store.read(focus.type(), focus.id())
                .orElseThrow(() -> new ResourceNotFoundException(new IdType(focus.type(), focus.id())));
        if (stored.deleted()) {
            throw new ResourceGoneException("Resource " + focus + " was deleted in version " + stored.versionId());
        }
    }
}
