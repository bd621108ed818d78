package org.formulary.rest;

import ca.uhn.fhir.rest.annotation.Count;
import ca.uhn.fhir.rest.annotation.History;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;

/** Server-level interactions: the whole server's history. Thread-safe. */
public final class SystemProvider {

    private final FormularyServices services;

    public SystemProvider(FormularyServices services) {
        this.services = services;
    }

    @History
    public Bundle history(@Count Integer count, RequestDetails request) {
        return services.history(Optional.empty(), Optional.empty(), count, request);
    }
}
