package org.formulary.http;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import org.hl7.fhir.r4.model.OperationOutcome;

/** HTTP errors HAPI has no exception for, and the OperationOutcome JSON for errors outside HAPI. */
final class HttpErrors {

    private HttpErrors() {}

    /** 406: none of the formats the client accepts can be produced. */
    static BaseServerResponseException notAcceptable(String message) {
        return new BaseServerResponseException(406, message) {};
    }

    /** 415: the request body's Content-Type is not one this server reads. */
    static BaseServerResponseException unsupportedMediaType(String message) {
        return new BaseServerResponseException(415, message) {};
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
