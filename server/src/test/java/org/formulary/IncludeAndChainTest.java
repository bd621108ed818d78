package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.SearchEntryMode;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code _include}, {@code _revinclude} (with {@code :iterate}) and chained search over the formulary content. */
@Tag(FormularyServerExtension.ALSO_ON_POSTGRESQL)
class IncludeAndChainTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    private static final Set<String> ORAL_BACLOFEN = Set.of("Medication/baclofen-5mg-tablet",
            "Medication/baclofen-10mg-tablet", "Medication/baclofen-20mg-tablet",
            "Medication/baclofen-1mg-ml-oral-solution", "Medication/baclofen-2mg-ml-oral-solution");

    @Test
    void includeAddsTheReferencedResourcesOnTheSamePage() throws Exception {
        Bundle bundle = search("/MedicinalProductUndesirableEffect?_id=baclofen-drowsiness"
                + "&_include=MedicinalProductUndesirableEffect:subject");
        assertEquals(Set.of("MedicinalProductUndesirableEffect/baclofen-drowsiness"), keys(bundle, SearchEntryMode.MATCH));
        assertEquals(ORAL_BACLOFEN, keys(bundle, SearchEntryMode.INCLUDE));
        assertEquals(1, bundle.getTotal(), "included resources do not count in the total");
        assertTrue(bundle.getLink("self").getUrl().contains("_include="), "the self link keeps _include");
    }

    @Test
    void includeWithATargetTypeKeepsOnlyThatType() throws Exception {
        Bundle bundle = search("/MedicinalProductUndesirableEffect?_id=baclofen-drowsiness"
                + "&_include=MedicinalProductUndesirableEffect:subject:MedicinalProduct");
        assertEquals(Set.of(), keys(bundle, SearchEntryMode.INCLUDE));
    }

    @Test
    void revincludeAddsTheResourcesThatPointAtTheMatches() throws Exception {
        Bundle bundle = search("/Medication?_id=tizanidine-4mg-tablet"
                + "&_revinclude=MedicinalProductUndesirableEffect:subject");
        assertEquals(Set.of("Medication/tizanidine-4mg-tablet"), keys(bundle, SearchEntryMode.MATCH));
        assertEquals(Set.of("MedicinalProductUndesirableEffect/tizanidine-drowsiness",
                        "MedicinalProductUndesirableEffect/tizanidine-dry-mouth",
                        "MedicinalProductUndesirableEffect/tizanidine-low-blood-pressure"),
                keys(bundle, SearchEntryMode.INCLUDE));
    }

    @Test
    void iterateFollowsIncludedResourcesToo() throws Exception {
        String base = "/Medication?_id=tizanidine-4mg-tablet&_revinclude=MedicinalProductUndesirableEffect:subject";
        Set<String> once = keys(search(base + "&_include=MedicinalProductUndesirableEffect:subject"),
                SearchEntryMode.INCLUDE);
        assertTrue(once.stream().noneMatch(k -> k.startsWith("Medication/")),
                "without :iterate the include applies to the matches only: " + once);
        Set<String> iterated = keys(search(base + "&_include:iterate=MedicinalProductUndesirableEffect:subject"),
                SearchEntryMode.INCLUDE);
        assertTrue(iterated.containsAll(Set.of("Medication/tizanidine-2mg-tablet", "Medication/tizanidine-6mg-capsule")),
                iterated.toString());
        assertTrue(!iterated.contains("Medication/tizanidine-4mg-tablet"), "a match is not repeated as an include");
    }

    @Test
    void chainedSearchMatchesOnTheReferencedResource() throws Exception {
        Bundle bundle = search("/MedicinalProductUndesirableEffect?subject:Medication.code="
                + enc(TestData.RXNORM + "|313413") + "&_count=50");
        Set<String> ids = keys(bundle, SearchEntryMode.MATCH);
        assertEquals(Set.of("MedicinalProductUndesirableEffect/tizanidine-drowsiness",
                "MedicinalProductUndesirableEffect/tizanidine-dry-mouth",
                "MedicinalProductUndesirableEffect/tizanidine-low-blood-pressure"), ids);
        Bundle none = search("/MedicinalProductUndesirableEffect?subject:Medication.code=" + enc(TestData.RXNORM + "|1"));
        assertEquals(0, none.getTotal());
    }

    @Test
    void chainingIsCheckedLikeAnyParameter() throws Exception {
        assertBadRequest("/MedicinalProductUndesirableEffect?subject:Medication.nosuch=1", "nosuch");
        assertBadRequest("/MedicinalProductUndesirableEffect?effect.code=1", "only reference parameters");
        assertBadRequest("/MedicinalProductUndesirableEffect?subject:NoSuchType.code=1", "NoSuchType");
        assertBadRequest("/Medication?_include=Medication:nosuch", "nosuch");
        assertBadRequest("/Medication?_include=garbage", "garbage");
    }

    private static void assertBadRequest(String path, String mention) throws Exception {
        HttpResponse<String> response = SERVER.get(path);
        assertEquals(400, response.statusCode(), path + " -> " + response.body());
        String diagnostics = TestData.parser().parseResource(OperationOutcome.class, response.body())
                .getIssueFirstRep().getDiagnostics();
        assertTrue(diagnostics.contains(mention), diagnostics);
    }

    private static Bundle search(String path) throws Exception {
        HttpResponse<String> response = SERVER.get(path);
        assertEquals(200, response.statusCode(), path + " -> " + response.body());
        return TestData.parser().parseResource(Bundle.class, response.body());
    }

    private static Set<String> keys(Bundle bundle, SearchEntryMode mode) {
        return bundle.getEntry().stream()
                .filter(e -> e.getSearch().getMode() == mode)
                .map(e -> e.getResource().fhirType() + "/" + e.getResource().getIdElement().getIdPart())
                .collect(Collectors.toSet());
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

}
