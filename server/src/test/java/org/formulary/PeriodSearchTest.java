package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpResponse;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Date prefixes on ranges (the plans' period runs 2026-07-01 to 2027-06-30): {@code ge}/{@code le} find a period
 * that includes the searched day, {@code gt}/{@code lt}/{@code sa}/{@code eb} need it strictly after or before.
 */
class PeriodSearchTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    private static final Set<String> PLANS = Set.of("formulary-hospital", "payer-plan-hospital");

    @Test
    void onOrAfterAndOnOrBeforeIncludeTheBoundaryDays() throws Exception {
        assertEquals(PLANS, ids("period=ge2027-06-30"));
        assertEquals(PLANS, ids("period=le2026-07-01"));
        assertEquals(Set.of(), ids("period=ge2027-07-01"));
        assertEquals(Set.of(), ids("period=le2026-06-30"));
    }

    @Test
    void strictPrefixesExcludeTheBoundaryDays() throws Exception {
        assertEquals(Set.of(), ids("period=gt2027-06-30"));
        assertEquals(PLANS, ids("period=gt2027-06-29"));
        assertEquals(Set.of(), ids("period=sa2026-07-01"));
        assertEquals(PLANS, ids("period=sa2026-06-30"));
        assertEquals(PLANS, ids("period=eb2027-07-01"));
        assertEquals(Set.of(), ids("period=eb2027-06-30"));
        assertEquals(Set.of(), ids("period=eq2026"), "eq needs the whole period within 2026");
        assertEquals(PLANS, ids("period=ne2026"));
    }

    private static Set<String> ids(String query) throws Exception {
        HttpResponse<String> response = SERVER.get("/InsurancePlan?" + query);
        assertEquals(200, response.statusCode(), response.body());
        return TestData.parser().parseResource(Bundle.class, response.body()).getEntry().stream()
                .map(e -> e.getResource().getIdElement().getIdPart()).collect(Collectors.toSet());
    }
}
