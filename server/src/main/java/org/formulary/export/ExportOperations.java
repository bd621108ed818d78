package org.formulary.export;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.MethodNotAllowedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;

/**
 * The server-level Bulk Data endpoints (FHIR Bulk Data Access v2):
 * <ul>
 *   <li>{@code GET|POST [base]/$export} — kick-off of a system-level export (202 + {@code Content-Location});</li>
 *   <li>{@code GET [base]/$export-poll-status?_jobId=} — 202 + {@code X-Progress} while running, 200 + the JSON
 *       manifest when finished; {@code DELETE} on it cancels the job and deletes its files (202), after which
 *       the status URL answers 404;</li>
 *   <li>{@code GET [base]/$export-download?_jobId=&_file=} — one NDJSON file, streamed from disk.</li>
 * </ul>
 * Type- and instance-level kick-offs are in {@link TypeExportProvider}. Thread-safe.
 */
public final class ExportOperations {

    /** The Bulk Data IG's definition of the system-level operation. */
    public static final String EXPORT_DEFINITION = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export";
    static final String POLL_STATUS = "$export-poll-status";
    static final String DOWNLOAD = "$export-download";

    private final BulkExportService service;
    private final KickOff kickOff;
    private final ExportLines lines;
    private final boolean requiresAccessToken;

    /** The endpoints; {@code requiresAccessToken} when the status and files need a bearer token (private export). */
    public ExportOperations(BulkExportService service, KickOff kickOff, FhirContext ctx,
            boolean requiresAccessToken) {
        this.service = service;
        this.kickOff = kickOff;
        this.lines = new ExportLines(ctx);
        this.requiresAccessToken = requiresAccessToken;
    }

    /** System-level kick-off: every served type, or those in {@code _type}. */
    @Operation(name = "$export", idempotent = true, manualResponse = true, canonicalUrl = EXPORT_DEFINITION)
    public void export(
            @OperationParam(name = "_outputFormat") String outputFormat,
            @OperationParam(name = "_since") String since,
            @OperationParam(name = "_type", max = OperationParam.MAX_UNLIMITED) List<String> types,
            ServletRequestDetails request) throws IOException {
        kickOff.start(request, outputFormat, since, types, Optional.empty(), Optional.empty());
    }

    /** Status of a job (GET), or cancel and delete it (DELETE). */
    @Operation(name = POLL_STATUS, idempotent = true, deleteEnabled = true, manualResponse = true)
    public void status(@OperationParam(name = "_jobId") String jobId, ServletRequestDetails request)
            throws IOException {
        RequestTypeEnum method = request.getRequestType();
        if (method != RequestTypeEnum.GET && method != RequestTypeEnum.DELETE) {
            throw new MethodNotAllowedException("Poll the export status with GET, or cancel the export with DELETE",
                    RequestTypeEnum.GET, RequestTypeEnum.DELETE);
        }
        String id = requireJobId(jobId);
        if (method == RequestTypeEnum.DELETE) {
            if (!service.cancel(id)) {
                throw unknownJob(id);
            }
            ExportResponses.body(request.getServletResponse(), 202, ExportResponses.FHIR_JSON, lines.outcome(
                    IssueSeverity.INFORMATION, IssueType.INFORMATIONAL, "Export job " + id
                            + " is cancelled (if it was still running) and its files are deleted"));
            return;
        }
        BulkExportService.JobState state = service.state(id).orElseThrow(() -> unknownJob(id));
        if (!state.job().status().finished()) {
            ExportResponses.inProgress(request.getServletResponse(), state.progress());
            return;
        }
        ExportResponses.body(request.getServletResponse(), 200, ExportResponses.JSON,
                Manifest.json(state.job(), state.files(), request.getFhirServerBase(),
                        requiresAccessToken));
    }

    /** One file of a finished job, as listed in its manifest. */
    @Operation(name = DOWNLOAD, idempotent = true, manualResponse = true)
    public void download(@OperationParam(name = "_jobId") String jobId, @OperationParam(name = "_file") String file,
            ServletRequestDetails request) throws IOException {
        if (request.getRequestType() != RequestTypeEnum.GET) {
            throw new MethodNotAllowedException("Download export files with GET", RequestTypeEnum.GET);
        }
        String id = requireJobId(jobId);
        if (file == null || file.isBlank()) {
            throw new InvalidRequestException("Parameter '_file' is required: the file name from the manifest's url");
        }
        Path path = service.file(id, file).orElseThrow(() -> new ResourceNotFoundException(
                "Export job " + id + " has no file '" + file + "' (unknown job, job not finished, or not one of its"
                        + " files)"));
        ExportResponses.file(request.getServletResponse(), path);
    }

    private static String requireJobId(String jobId) {
        if (jobId == null || jobId.isBlank()) {
            throw new InvalidRequestException("Parameter '_jobId' is required: use the status URL from the"
                    + " kick-off's Content-Location");
        }
        return jobId.trim();
    }

    private static ResourceNotFoundException unknownJob(String id) {
        return new ResourceNotFoundException("No export job '" + id + "' (unknown, or deleted)");
    }
}
