package org.formulary.rest;

import ca.uhn.fhir.rest.annotation.Count;
import ca.uhn.fhir.rest.annotation.History;
import ca.uhn.fhir.rest.annotation.Transaction;
import ca.uhn.fhir.rest.annotation.TransactionParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.Bundle;

/** Server-level interactions: the whole server's history, transaction and batch Bundles. Thread-safe. */
public final class SystemProvider {

    private final FormularyServices services;
    private final BundleProcessor bundles;

    /**
     * @param served the resource types the server serves
     * @param readOnly those of them clients may not write
     */
    public SystemProvider(FormularyServices services, Set<String> served, Set<String> readOnly) {
        this.services = services;
        this.bundles = new BundleProcessor(services, served, readOnly);
    }

    /** {@code POST [base]} with a transaction or batch Bundle; see {@link BundleProcessor}. */
    @Transaction
    public Bundle transaction(@TransactionParam Bundle bundle, RequestDetails request) {
        if (bundle.getType() == Bundle.BundleType.TRANSACTION) {
            return bundles.transaction(bundle, request);
        }
        if (bundle.getType() == Bundle.BundleType.BATCH) {
            return bundles.batch(bundle, request);
        }
        throw new InvalidRequestException("POST to the base needs a Bundle of type transaction or batch, not "
                + (bundle.getType() == null ? "one without a type" : bundle.getType().toCode()));
    }

    @History
    public Bundle history(@Count Integer count, RequestDetails request) {
        return services.history(Optional.empty(), Optional.empty(), count, request);
    }
}
