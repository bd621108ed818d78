package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code _sort} by a search parameter, ascending and descending, across keyset-paged pages. */
@Tag(FormularyServerExtension.ALSO_ON_POSTGRESQL)
class SortTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    @Test
    void sortsByATokenParameterAcrossPages() throws Exception {
        List<Bundle.BundleEntryComponent> ascending = all("/Medication?_sort=code&_count=4");
        List<String> codes = ascending.stream().map(e -> lowestRxNorm((Medication) e.getResource())).toList();
        assertEquals(14, ascending.size());
        assertEquals(codes.stream().sorted().toList(), codes, "ascending by code");
        List<Bundle.BundleEntryComponent> descending = all("/Medication?_sort=-code&_count=4");
        assertEquals(14, descending.size());
        assertEquals(new HashSet<>(ids(ascending)), new HashSet<>(ids(descending)), "the same resources");
        List<String> descendingCodes = descending.stream().map(e -> highestCode((Medication) e.getResource())).toList();
        assertEquals(descendingCodes.stream().sorted(Comparator.reverseOrder()).toList(), descendingCodes);
    }

    @Test
    void sortsByAStringParameterIgnoringCase() throws Exception {
        List<Bundle.BundleEntryComponent> entries = all("/MedicationKnowledge?_sort=drug-name&_count=5");
        assertEquals(14, entries.size());
        assertEquals(14, new HashSet<>(ids(entries)).size(), "no resource twice");
        // drug-name covers code.coding.display and synonym: a monograph sorts by its smallest such name
        List<String> names = entries.stream().map(e -> smallestName((MedicationKnowledge) e.getResource())).toList();
        assertEquals(names.stream().sorted().toList(), names, "ascending by drug-name, case-insensitive");
        assertTrue(names.get(0).startsWith("baclofen"), names.toString());
    }

    @Test
    void anUnsortableParameterIsABadRequest() throws Exception {
        HttpResponse<String> response = SERVER.get("/Medication?_sort=nosuch");
        assertEquals(400, response.statusCode(), response.body());
    }

    private static String smallestName(MedicationKnowledge mk) {
        List<String> names = new ArrayList<>();
        mk.getCode().getCoding().stream().filter(Coding::hasDisplay).forEach(c -> names.add(c.getDisplay()));
        mk.getSynonym().forEach(s -> names.add(s.getValue()));
        return names.stream().map(n -> n.toLowerCase(Locale.ROOT)).min(Comparator.naturalOrder()).orElse("");
    }

    private static String lowestRxNorm(Medication medication) {
        return medication.getCode().getCoding().stream().map(Coding::getCode)
                .min(Comparator.naturalOrder()).orElse("").toLowerCase(Locale.ROOT);
    }

    private static String highestCode(Medication medication) {
        return medication.getCode().getCoding().stream().map(Coding::getCode)
                .max(Comparator.naturalOrder()).orElse("");
    }

    private static List<Bundle.BundleEntryComponent> all(String path) throws Exception {
        List<Bundle.BundleEntryComponent> entries = new ArrayList<>();
        String next = path;
        while (next != null) {
            HttpResponse<String> response = SERVER.get(next);
            assertEquals(200, response.statusCode(), response.body());
            Bundle page = TestData.parser().parseResource(Bundle.class, response.body());
            entries.addAll(page.getEntry());
            Bundle.BundleLinkComponent link = page.getLink("next");
            next = link == null ? null : link.getUrl().substring(SERVER.baseUrl().length());
        }
        return entries;
    }

    private static List<String> ids(List<Bundle.BundleEntryComponent> entries) {
        return entries.stream().map(SortTest::id).toList();
    }

    private static String id(Bundle.BundleEntryComponent entry) {
        return entry.getResource().getIdElement().getIdPart();
    }
}
