package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ValueSet;
import org.junit.jupiter.api.Test;

/**
 * Never an invented code: every RxNorm, SNOMED CT, ATC, UNII, NDC and MED-RT coding in {@code resources/} must be
 * listed, with its source, in {@code conformance/ValueSet-verified-external-codes.json}; a code listed there as
 * inferred must carry the code-verification extension ({@code inferred}) and {@code userSelected=false}.
 */
class CodeIntegrityTest {

    private static final Set<String> CHECKED_SYSTEMS = Set.of(
            TestData.RXNORM, TestData.SNOMED, "http://www.whocc.no/atc", "http://fdasis.nlm.nih.gov",
            "http://hl7.org/fhir/sid/ndc", "http://va.gov/terminology/medrt");
    private static final String VERIFICATION = "http://example.org/fhir/formulary/StructureDefinition/code-verification";
    private static final String CODE_SOURCE = "http://example.org/fhir/formulary/StructureDefinition/code-source";
    private static final FhirContext CTX = FhirContext.forR4Cached();

    @Test
    void everyExternalCodeInTheContentIsVerifiedWithItsSource() throws IOException {
        Map<String, String> sources = verifiedCodes();
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Path file : contentFiles()) {
            IBaseResource resource = CTX.newJsonParser().parseResource(Files.readString(file));
            checked += check(file.getFileName().toString(), resource, sources, problems);
        }
        assertTrue(checked > 0, "the content holds external codes to check");
        assertEquals(List.of(), problems);
    }

    @Test
    void theVerifiedListRecordsASourceForEveryCodeAndNoKnownWrongCode() throws IOException {
        Map<String, String> sources = verifiedCodes();
        assertTrue(sources.size() > 50, "the list was transcribed: " + sources.size());
        sources.forEach((key, source) -> assertFalse(source.isBlank(), key + " has no source"));
        for (String wrong : List.of("8163", "37418", "197593", "313391", "313393", "312961", "197446")) {
            assertFalse(sources.containsKey(TestData.RXNORM + "|" + wrong), "known wrong RxNorm code " + wrong);
        }
    }

    @Test
    void theCheckCatchesAnInventedCodeAndAnUnmarkedInferredOne() throws IOException {
        Map<String, String> sources = verifiedCodes();
        var medication = TestData.medication("invented");
        medication.getCode().addCoding().setSystem(TestData.RXNORM).setCode("999999").setDisplay("made up");
        medication.getCode().addCoding().setSystem(TestData.RXNORM).setCode("197392");
        List<String> problems = new ArrayList<>();
        check("fixture", medication, sources, problems);
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("999999") && problems.get(0).contains("not verified"), problems.get(0));
        assertTrue(problems.get(1).contains("197392") && problems.get(1).contains("inferred"), problems.get(1));
    }

    /** Adds a line to {@code problems} for each unverified or unmarked external coding; returns how many it checked. */
    private static int check(String name, IBaseResource resource, Map<String, String> sources, List<String> problems) {
        int checked = 0;
        for (Coding coding : CTX.newTerser().getAllPopulatedChildElementsOfType(resource, Coding.class)) {
            if (!CHECKED_SYSTEMS.contains(coding.getSystem())) {
                continue;
            }
            checked++;
            String key = coding.getSystem() + "|" + coding.getCode();
            String source = sources.get(key);
            if (source == null) {
                problems.add(name + ": " + key + " (" + coding.getDisplay() + ") is not verified");
            } else if (source.startsWith("inferred") && !markedInferred(coding)) {
                problems.add(name + ": " + key + " is inferred but not marked as such");
            }
        }
        return checked;
    }

    private static boolean markedInferred(Coding coding) {
        var extension = coding.getExtensionByUrl(VERIFICATION);
        return extension != null && "inferred".equals(extension.getValue().primitiveValue())
                && coding.hasUserSelected() && !coding.getUserSelected();
    }

    private static Map<String, String> verifiedCodes() throws IOException {
        Path file = TestData.repositoryResourcesDir().resolveSibling("conformance")
                .resolve("ValueSet-verified-external-codes.json");
        ValueSet valueSet = CTX.newJsonParser().parseResource(ValueSet.class, Files.readString(file));
        Map<String, String> sources = new HashMap<>();
        for (ValueSet.ConceptSetComponent include : valueSet.getCompose().getInclude()) {
            for (ValueSet.ConceptReferenceComponent concept : include.getConcept()) {
                var source = concept.getExtensionByUrl(CODE_SOURCE);
                sources.put(include.getSystem() + "|" + concept.getCode(),
                        source == null ? "" : source.getValue().primitiveValue());
            }
        }
        return sources;
    }

    private static List<Path> contentFiles() throws IOException {
        try (Stream<Path> files = Files.walk(TestData.repositoryResourcesDir())) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }
}
