package org.formulary;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Ratio;

/**
 * What several test classes share: media types, code systems and profile URLs, Medications that conform to the
 * formulary profile, the repository's content folder, and the query parameters of a link URL.
 */
public final class TestData {

    /** The FHIR JSON media type. */
    public static final String FHIR_JSON = "application/fhir+json";
    /** The FHIR XML media type. */
    public static final String FHIR_XML = "application/fhir+xml";
    /** The RxNorm code system. */
    public static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
    /** The SNOMED CT code system. */
    public static final String SNOMED = "http://snomed.info/sct";
    /** The UCUM code system. */
    public static final String UCUM = "http://unitsofmeasure.org";
    /** The formulary's Medication profile. */
    public static final String MEDICATION_PROFILE =
            "http://example.org/fhir/formulary/StructureDefinition/formulary-medication";
    /** The formulary's MedicationKnowledge profile. */
    public static final String MEDICATION_KNOWLEDGE_PROFILE =
            "http://example.org/fhir/formulary/StructureDefinition/formulary-medicationknowledge";
    /** The code system of the marker codings that {@link #markedMedication} adds. */
    public static final String MARKER_SYSTEM = "http://example.org/fhir/test/marker";

    private static final FhirContext CTX = FhirContext.forR4Cached();

    private TestData() {
    }

    /** Optional elements {@link #medication(String, Extra...)} can add to its Medication. */
    public enum Extra {
        /** {@code ingredient.item.text} "baclofen" and {@code ingredient.isActive} true. */
        INGREDIENT_DETAILS,
        /** {@code form.text} "Oral tablet". */
        FORM_TEXT
    }

    /** A JSON parser of a client-side FhirContext. */
    public static IParser parser() {
        return CTX.newJsonParser();
    }

    /**
     * A Medication that conforms to the formulary profile, built in code: baclofen 10 MG Oral Tablet (RxNorm
     * 197391) with {@code code.text} {@code text}, status active, the SNOMED oral-tablet form and one baclofen
     * ingredient (RxNorm 1292) of 10 mg per tablet in UCUM; no id. {@code extras} add optional elements.
     */
    public static Medication medication(String text, Extra... extras) {
        List<Extra> with = List.of(extras);
        Medication m = new Medication();
        m.getCode().addCoding(new Coding(RXNORM, "197391", "baclofen 10 MG Oral Tablet")).setText(text);
        m.setStatus(Medication.MedicationStatus.ACTIVE);
        m.getForm().addCoding(new Coding(SNOMED, "421026006", "Oral tablet"));
        if (with.contains(Extra.FORM_TEXT)) {
            m.getForm().setText("Oral tablet");
        }
        CodeableConcept item = new CodeableConcept().addCoding(new Coding(RXNORM, "1292", "baclofen"));
        Medication.MedicationIngredientComponent ingredient = m.addIngredient()
                .setItem(item)
                .setStrength(new Ratio()
                        .setNumerator(new Quantity().setValue(new BigDecimal("10")).setUnit("mg").setSystem(UCUM)
                                .setCode("mg"))
                        .setDenominator(new Quantity().setValue(BigDecimal.ONE).setUnit("tablet").setSystem(UCUM)
                                .setCode("{tablet}")));
        if (with.contains(Extra.INGREDIENT_DETAILS)) {
            item.setText("baclofen");
            ingredient.setIsActive(true);
        }
        return m;
    }

    /**
     * The Medication of the content file {@code /content/Medication/<id>.json} on the class path (the repository's
     * {@code resources/} folder as the build packs it), exactly as stored there.
     */
    public static Medication contentMedication(String id) throws IOException {
        return content(Medication.class, id);
    }

    /** The resource of the content file {@code /content/<Type>/<id>.json} on the class path, as stored there. */
    public static <T extends IBaseResource> T content(Class<T> type, String id) throws IOException {
        String path = "/content/" + CTX.getResourceType(type) + "/" + id + ".json";
        try (InputStream in = TestData.class.getResourceAsStream(path)) {
            assertNotNull(in, "content file on the class path: " + path);
            return CTX.newJsonParser().parseResource(type, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /**
     * A Medication that conforms to the formulary profile, copied from the 10 mg content file, with id {@code id}
     * and, in place of the file's codings, a made-up RxNorm code {@code rx-<id>} and a marker coding
     * ({@link #MARKER_SYSTEM}, {@link #marker marker(prefix)}); no NDC codings, so content codes stay unique to
     * the content.
     */
    public static Medication markedMedication(String id, String prefix) throws IOException {
        Medication m = contentMedication("baclofen-10mg-tablet");
        m.setId(id);
        m.getCode().getCoding().clear();
        m.getCode().addCoding(new Coding(RXNORM, "rx-" + id, "test drug " + id));
        m.getCode().addCoding(new Coding(MARKER_SYSTEM, marker(prefix), "test marker"));
        m.getCode().setText("Test drug " + id);
        return m;
    }

    /** The code that marks a test's resources: searchable with {@code code=<marker>}. */
    public static String marker(String prefix) {
        return "mark-" + prefix;
    }

    /** The repository's {@code resources/} folder: {@code ../resources} from the module, else found walking up. */
    public static Path repositoryResourcesDir() {
        Path candidate = Path.of("..", "resources");
        if (Files.isDirectory(candidate.resolve("Medication"))) {
            return candidate.normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path resources = dir.resolve("resources");
            if (Files.isDirectory(resources) && Files.isDirectory(dir.resolve("conformance"))) {
                return resources;
            }
        }
        throw new IllegalStateException("Cannot find the repository's resources/ folder from "
                + Path.of("").toAbsolutePath());
    }

    /**
     * The query parameters of {@code url}, decoded, in order, each name with all its values (a name without
     * {@code =} has the value ""); empty when the URL has no query.
     */
    public static Map<String, List<String>> linkParams(String url) {
        int q = url.indexOf('?');
        Map<String, List<String>> params = new LinkedHashMap<>();
        if (q < 0) {
            return params;
        }
        for (String pair : url.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return params;
    }
}
