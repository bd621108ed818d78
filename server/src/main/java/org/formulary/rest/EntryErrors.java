package org.formulary.rest;

import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import org.formulary.store.VersionConflictException;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * The error of one Bundle entry, as the client sees it: the HTTP status and an OperationOutcome whose first issue
 * names the entry ({@code Bundle.entry[2] (POST Medication): ...}, expression {@code Bundle.entry[2]}) followed by
 * the issues of the entry's own error (a validator's, say). Stateless, thread-safe.
 */
final class EntryErrors {

    private EntryErrors() {}

    /**
     * The client error {@code error} of {@code entry} as an exception naming the entry; any other failure (the
     * server's own) is thrown as it is.
     */
    static BaseServerResponseException at(EntryRequest entry, int index, String url, RuntimeException error) {
        BaseServerResponseException client = clientError(error);
        String where = entry != null ? entry.describe() : "Bundle.entry[" + index + "]"
                + (url == null ? "" : " (" + url + ")");
        BaseServerResponseException named = BaseServerResponseException.newInstance(client.getStatusCode(),
                where + ": " + client.getMessage());
        named.setOperationOutcome(outcome(index, where, client));
        return named;
    }

    /** {@code error} as a client error (version conflicts are 412), or thrown if the server caused it. */
    static BaseServerResponseException clientError(RuntimeException error) {
        if (error instanceof VersionConflictException) {
            return BaseServerResponseException.newInstance(412, error.getMessage());
        }
        if (error instanceof BaseServerResponseException client && client.getStatusCode() < 500) {
            return client;
        }
        throw error;
    }

    /** The OperationOutcome of {@code error} at entry {@code index}, the entry's issue first. */
    static OperationOutcome outcome(int index, String where, BaseServerResponseException error) {
        OperationOutcome oo = new OperationOutcome();
        oo.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(error.getStatusCode() == 412 || error.getStatusCode() == 409
                        ? OperationOutcome.IssueType.CONFLICT
                        : error.getStatusCode() == 404 ? OperationOutcome.IssueType.NOTFOUND
                        : OperationOutcome.IssueType.INVALID)
                .setDiagnostics(where + ": " + error.getMessage())
                .addExpression("Bundle.entry[" + index + "]");
        if (error.getOperationOutcome() instanceof OperationOutcome own) {
            for (OperationOutcome.OperationOutcomeIssueComponent issue : own.getIssue()) {
                oo.addIssue(issue.copy());
            }
        }
        return oo;
    }
}
