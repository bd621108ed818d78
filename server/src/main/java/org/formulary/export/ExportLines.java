package org.formulary.export;

import ca.uhn.fhir.context.FhirContext;
import java.util.Date;
import org.formulary.store.StoredResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * The NDJSON lines an export writes besides stored resources: a transaction Bundle per deleted resource (for the
 * manifest's {@code deleted}) and an OperationOutcome per message (for {@code error}). Thread-safe.
 */
final class ExportLines {

    private final FhirContext ctx;

    ExportLines(FhirContext ctx) {
        this.ctx = ctx;
    }

    /** A transaction Bundle with one DELETE entry for {@code deletion}, stamped with the time of the deletion. */
    String deletion(StoredResource deletion) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        bundle.getMeta().setLastUpdated(Date.from(deletion.lastUpdated()));
        bundle.addEntry().getRequest()
                .setMethod(Bundle.HTTPVerb.DELETE)
                .setUrl(deletion.type() + "/" + deletion.id());
        return ctx.newJsonParser().encodeResourceToString(bundle);
    }

    /** An OperationOutcome with one issue. */
    String outcome(OperationOutcome.IssueSeverity severity, OperationOutcome.IssueType code, String message) {
        OperationOutcome oo = new OperationOutcome();
        oo.addIssue().setSeverity(severity).setCode(code).setDiagnostics(message);
        return ctx.newJsonParser().encodeResourceToString(oo);
    }
}
