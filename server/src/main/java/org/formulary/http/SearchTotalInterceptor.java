package org.formulary.http;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import org.hl7.fhir.r4.model.Bundle;

/**
 * Keeps {@code Bundle.total} out of a searchset when the client asked for {@code _total=none}: HAPI fills an
 * absent total with the {@code _count} value, which would tell the client a wrong number. Stateless, thread-safe.
 */
@Interceptor
public final class SearchTotalInterceptor {

    @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
    public boolean dropTotal(RequestDetails request, ResponseDetails response) {
        String[] total = request.getParameters().get("_total");
        if (total != null && total.length > 0 && "none".equals(total[0])
                && response.getResponseResource() instanceof Bundle bundle
                && bundle.getType() == Bundle.BundleType.SEARCHSET) {
            bundle.setTotalElement(null);
        }
        return true;
    }
}
