package org.formulary.http;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.hl7.fhir.r4.model.OperationOutcome;

/** HTTP errors HAPI has no exception for, and the OperationOutcome JSON for errors outside HAPI. */
final class HttpErrors {

    private HttpErrors() {}

    /** 406: none of the formats the client accepts can be produced. */
    static BaseServerResponseException notAcceptable(String message) {
        return status(406, message);
    }

    /** 415: the request body's Content-Type is not one this server reads. */
    static BaseServerResponseException unsupportedMediaType(String message) {
        return status(415, message);
    }

    /** 408: the request (its body) did not arrive in time. */
    static BaseServerResponseException requestTimeout(String message) {
        return status(408, message);
    }

    /** 413: the request body is larger than {@code maxBytes}, for {@code reason}. */
    static PayloadTooLargeException tooLarge(String reason, int maxBytes) {
        return new PayloadTooLargeException("The request body is too large: " + reason + "; the limit is " + maxBytes
                + " bytes");
    }

    /** A client error with {@code status}, for statuses HAPI has no exception for. */
    static BaseServerResponseException status(int status, String message) {
        return new BaseServerResponseException(status, message) {};
    }

    /** Answers a servlet request with {@code status} and an OperationOutcome (JSON) holding {@code message}. */
    static void writeOutcome(HttpServletResponse response, FhirContext ctx, int status, String message)
            throws IOException {
        response.setStatus(status);
        response.setContentType("application/fhir+json;charset=utf-8");
        response.getWriter().write(operationOutcomeJson(ctx, status, message));
    }

    /** An OperationOutcome with one error issue, encoded as JSON. */
    static String operationOutcomeJson(FhirContext ctx, int status, String message) {
        OperationOutcome oo = new OperationOutcome();
        oo.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(ErrorOutcomeInterceptor.typeFor(status))
                .setDiagnostics(message);
        return ctx.newJsonParser().encodeResourceToString(oo);
    }
}
