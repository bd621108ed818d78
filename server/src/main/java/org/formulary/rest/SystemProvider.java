package org.formulary.rest;

import ca.uhn.fhir.rest.annotation.Count;
import ca.uhn.fhir.rest.annotation.History;
import ca.uhn.fhir.rest.annotation.Since;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Optional;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.InstantType;

/** Server-level interactions: the whole server's history. Thread-safe. */
public final class SystemProvider {

    private final FormularyServices services;

    public SystemProvider(FormularyServices services) {
        this.services = services;
    }

    @History
    public Bundle history(@Since InstantType since, @Count Integer count, RequestDetails request) {
        return services.history(Optional.empty(), Optional.empty(), since, count, request);
    }
}
