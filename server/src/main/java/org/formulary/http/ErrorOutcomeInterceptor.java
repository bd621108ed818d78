package org.formulary.http;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import org.hl7.fhir.instance.model.api.IBaseOperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;

/**
 * Gives the OperationOutcome of an error response the issue type that matches its HTTP status (HAPI writes
 * {@code processing} for all of them): 401 {@code login}, 403 {@code forbidden}, 404 {@code not-found},
 * 410 {@code deleted}, 412 {@code conflict}, 405/406/415 {@code not-supported}, 408 {@code timeout}, 413
 * {@code too-long}, 503 {@code transient}, other 4xx {@code invalid}. Validator outcomes (422) keep their own codes.
 * Stateless, thread-safe.
 */
@Interceptor
public final class ErrorOutcomeInterceptor {

    @Hook(Pointcut.SERVER_OUTGOING_FAILURE_OPERATIONOUTCOME)
    public void setIssueTypes(IBaseOperationOutcome outcome, ResponseDetails response) {
        if (!(outcome instanceof OperationOutcome oo) || response.getResponseCode() == 422) {
            return;
        }
        IssueType type = typeFor(response.getResponseCode());
        for (OperationOutcome.OperationOutcomeIssueComponent issue : oo.getIssue()) {
            if (issue.getCode() == IssueType.PROCESSING) {
                issue.setCode(type);
            }
        }
    }

    /** The issue type for an error response with HTTP {@code status}. */
    static IssueType typeFor(int status) {
        return switch (status) {
            case 401 -> IssueType.LOGIN;
            case 403 -> IssueType.FORBIDDEN;
            case 404 -> IssueType.NOTFOUND;
            case 410 -> IssueType.DELETED;
            case 409, 412 -> IssueType.CONFLICT;
            case 405, 406, 415 -> IssueType.NOTSUPPORTED;
            case 408 -> IssueType.TIMEOUT;
            case 413 -> IssueType.TOOLONG;
            case 503 -> IssueType.TRANSIENT;
            default -> status >= 500 ? IssueType.EXCEPTION : IssueType.INVALID;
        };
    }
}
