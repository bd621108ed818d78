package org.formulary;

import static org.formulary.TestData.FHIR_JSON;
import static org.formulary.TestData.RXNORM;
import static org.formulary.TestData.SNOMED;
import static org.formulary.TestData.markedMedication;
import static org.formulary.TestData.marker;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ca.uhn.fhir.parser.IParser;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.LongPredicate;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Search over HTTP against the real server: token forms and modifiers, {@code _id}, {@code _lastUpdated} with every
 * prefix, AND/OR, totals, POST search and the searchset Bundle's shape. Each test that creates resources uses its
 * own id prefix and distinctive codes, and narrows searches with {@code _id} or those codes, so tests do not see
 * each other's data.
 */
@Tag(FormularyServerExtension.ALSO_ON_POSTGRESQL)
class SearchTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    static final String NDC = "http://hl7.org/fhir/sid/ndc";

    static final String MG5 = "baclofen-5mg-tablet";
    static final String MG10 = "baclofen-10mg-tablet";
    static final String MG20 = "baclofen-20mg-tablet";
    static final String CONTENT_IDS = MG5 + "," + MG10 + "," + MG20;

    private static final DateTimeFormatter MILLIS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX").withZone(ZoneOffset.UTC);

    // ---------------------------------------------------------------- token: code

    @Test
    void tokenSystemAndCodeMatchesOnlyThatCodingInThatSystem() throws Exception {
        assertIds(search("code", RXNORM + "|197391"), MG10);
        assertIds(search("code", RXNORM + "|430902"), MG5);
        assertIds(search("code", RXNORM + "|197392"), MG20);
        assertIds(search("code", NDC + "|0527-1330-01"), MG10);
        // the right code in the wrong system is no match
        assertIds(search("code", SNOMED + "|197391"));
        assertIds(search("code", NDC + "|197391"));
    }

    @Test
    void tokenCodeWithoutSystemMatchesAnySystem() throws Exception {
        assertIds(search("code", "197392"), MG20);
        assertIds(search("code", "62135-473-90"), MG10);
        assertIds(search("code", "no-such-code-anywhere"));
    }

    @Test
    void tokenWithEmptySystemMatchesOnlyCodingsWithoutSystem() throws Exception {
        String p = prefix("nosys");
        String code = p + "-code";
        String system = "http://example.org/fhir/test/" + p;
        // X carries the code in a coding without a system, Y carries the same code in a coding with a system
        Medication x = markedMedication(p + "-x", p);
        x.getCode().addCoding().setCode(code).setDisplay("code without a system");
        put(x);
        Medication y = markedMedication(p + "-y", p);
        y.getCode().addCoding().setSystem(system).setCode(code);
        put(y);

        assertIds(search("code", "|" + code), p + "-x");
        assertIds(search("code", code), p + "-x", p + "-y");
        assertIds(search("code", system + "|" + code), p + "-y");
        // all our content codings have a system: |code finds none of them
        assertIds(search("code", "|197391"));
        assertIds(search("code", "|197391", "_id", CONTENT_IDS));
        assertIds(search("code", "|430902,|197392"));
    }

    @Test
    void tokenWithSystemOnlyMatchesEveryCodeOfThatSystem() throws Exception {
        assertIds(search("code", RXNORM + "|", "_id", CONTENT_IDS), MG5, MG10, MG20);
        assertIds(search("code", NDC + "|", "_id", CONTENT_IDS), MG5, MG10, MG20);
        // SNOMED codes the form, not the code
        assertIds(search("code", SNOMED + "|", "_id", CONTENT_IDS));

        String p = prefix("sysonly");
        String system = "http://example.org/fhir/test/" + p;
        Medication a = markedMedication(p + "-a", p);
        a.getCode().addCoding().setSystem(system).setCode("one");
        put(a);
        Medication b = markedMedication(p + "-b", p);
        b.getCode().addCoding().setSystem(system).setCode("two");
        put(b);
        put(markedMedication(p + "-c", p));
        assertIds(search("code", system + "|"), p + "-a", p + "-b");
    }

    @Test
    void tokenCommaIsOrAndEscapedCommaIsPartOfTheCode() throws Exception {
        assertIds(search("code", RXNORM + "|197391," + RXNORM + "|197392"), MG10, MG20);
        assertIds(search("code", "197391,430902"), MG5, MG10);
        assertIds(search("code", "430902,no-such-code"), MG5);

        String p = prefix("escape");
        String system = "http://example.org/fhir/test/" + p;
        Medication m = markedMedication(p + "-a", p);
        m.getCode().addCoding().setSystem(system).setCode("t,1");
        put(m);
        assertIds(search("code", system + "|t\\,1"), p + "-a");
        // unescaped, the comma separates two values, neither of which is the code "t,1"
        assertIds(search("code", system + "|t,1"));
    }

    @Test
    void repeatedParameterIsAnd() throws Exception {
        assertIds(search("code", RXNORM + "|197391", "code", NDC + "|0527-1330-01"), MG10);
        // both codes exist, but on different resources
        assertIds(search("code", RXNORM + "|197391", "code", NDC + "|0172-4097-60"));
        assertIds(search("_id", MG5 + "," + MG10, "_id", MG10 + "," + MG20), MG10);
        assertIds(search("_id", CONTENT_IDS, "code", "197391,197392", "code:not", "197392"), MG10);
    }

    // ---------------------------------------------------------------- other token parameters

    @Test
    void ingredientCode() throws Exception {
        assertIds(search("ingredient-code", RXNORM + "|1292", "_id", CONTENT_IDS), MG5, MG10, MG20);
        assertIds(search("ingredient-code", "387342009", "_id", CONTENT_IDS), MG5, MG10, MG20);
        assertIds(search("ingredient-code", SNOMED + "|1292", "_id", CONTENT_IDS));

        String p = prefix("ingr");
        String ingredient = "ingr-" + p;
        Medication m = markedMedication(p + "-a", p);
        m.getIngredientFirstRep().setItem(new CodeableConcept().addCoding(
                new Coding(RXNORM, ingredient, "made-up ingredient")));
        put(m);
        assertIds(search("ingredient-code", RXNORM + "|" + ingredient), p + "-a");
        assertIds(search("ingredient-code", ingredient), p + "-a");
        assertIds(search("ingredient-code", "1292", "_id", p + "-a"));
    }

    @Test
    void form() throws Exception {
        assertIds(search("form", SNOMED + "|421026006", "_id", CONTENT_IDS), MG5, MG10, MG20);
        assertIds(search("form", "317541", "_id", CONTENT_IDS), MG5, MG10, MG20);

        String p = prefix("form");
        String formCode = "form-" + p;
        Medication m = markedMedication(p + "-a", p);
        m.setForm(new CodeableConcept().addCoding(new Coding(SNOMED, formCode, "Made-up form")));
        put(m);
        assertIds(search("form", SNOMED + "|" + formCode), p + "-a");
        assertIds(search("form", SNOMED + "|421026006", "_id", p + "-a," + MG10), MG10);
    }

    @Test
    void status() throws Exception {
        String p = prefix("status");
        Medication m = markedMedication(p + "-a", p);
        m.setStatus(Medication.MedicationStatus.INACTIVE);
        put(m);
        String ids = CONTENT_IDS + "," + p + "-a";
        assertIds(search("status", "inactive", "_id", ids), p + "-a");
        assertIds(search("status", "active", "_id", ids), MG5, MG10, MG20);
        assertIds(search("status", "active,inactive", "_id", ids), MG5, MG10, MG20, p + "-a");
        assertIds(search("status", "http://hl7.org/fhir/CodeSystem/medication-status|inactive", "_id", ids), p + "-a");
        assertIds(search("status", "entered-in-error", "_id", ids));
    }

    @Test
    void medicationKnowledgeTokenSearch() throws Exception {
        String p = prefix("mk");
        String rx = "rx-" + p;
        String doseForm = "df-" + p;
        MedicationKnowledge mk = TestData.content(MedicationKnowledge.class, "baclofen-10mg-tablet");
        mk.setId(p + "-a");
        // A made-up code cannot be a Da Vinci FormularyDrug (its drug code must be a verified RxNorm SCD).
        mk.getMeta().getProfile().removeIf(profile -> profile.getValue().endsWith("/usdf-FormularyDrug"));
        mk.setCode(new CodeableConcept().addCoding(new Coding(RXNORM, rx, "made-up drug")));
        mk.setStatus(MedicationKnowledge.MedicationKnowledgeStatus.ACTIVE);
        mk.setDoseForm(new CodeableConcept().addCoding(new Coding(SNOMED, doseForm, "made-up form")));
        put(mk);
        assertEquals(List.of(p + "-a"), ids(searchType("MedicationKnowledge", "code", RXNORM + "|" + rx)));
        assertEquals(List.of(p + "-a"), ids(searchType("MedicationKnowledge", "doseform", doseForm)));
        assertEquals(List.of(p + "-a"),
                ids(searchType("MedicationKnowledge", "status", "active", "_id", p + "-a")));
        assertEquals(List.of(), ids(searchType("MedicationKnowledge", "status", "inactive", "_id", p + "-a")));
    }

    @Test
    void capabilityStatementAdvertisesTheParametersSearchedHere() throws Exception {
        HttpResponse<String> response = SERVER.get("/metadata");
        assertEquals(200, response.statusCode());
        CapabilityStatement cs = parser().parseResource(CapabilityStatement.class, response.body());
        Map<String, Map<String, String>> byType = new LinkedHashMap<>();
        for (var resource : cs.getRestFirstRep().getResource()) {
            Map<String, String> params = new LinkedHashMap<>();
            resource.getSearchParam().forEach(sp -> params.put(sp.getName(), sp.getType().toCode()));
            byType.put(resource.getType(), params);
        }
        Map<String, String> medication = byType.get("Medication");
        assertNotNull(medication, "Medication in the CapabilityStatement");
        for (String name : List.of("code", "ingredient-code", "form", "status", "lot-number", "_id")) {
            assertEquals("token", medication.get(name), "Medication?" + name);
        }
        assertEquals("date", medication.get("_lastUpdated"));
        assertEquals("date", medication.get("expiration-date"));
        Map<String, String> knowledge = byType.get("MedicationKnowledge");
        assertNotNull(knowledge, "MedicationKnowledge in the CapabilityStatement");
        for (String name : List.of("code", "doseform", "status")) {
            assertEquals("token", knowledge.get(name), "MedicationKnowledge?" + name);
        }
    }

    // ---------------------------------------------------------------- _id

    @Test
    void idSingleAndCommaOr() throws Exception {
        assertIds(search("_id", MG5), MG5);
        assertIds(search("_id", MG5 + "," + MG20), MG5, MG20);
        assertIds(search("_id", MG5 + ",no-such-id"), MG5);
        assertIds(search("_id", "no-such-id"));
    }

    @Test
    void deletedResourceIsNotFound() throws Exception {
        String p = prefix("del");
        put(markedMedication(p + "-a", p));
        put(markedMedication(p + "-b", p));
        assertIds(search("_id", p + "-a," + p + "-b"), p + "-a", p + "-b");
        HttpResponse<String> deleted = SERVER.send(SERVER.request("/Medication/" + p + "-a").DELETE());
        assertEquals(200, deleted.statusCode(), deleted.body());
        assertIds(search("_id", p + "-a," + p + "-b"), p + "-b");
        assertIds(search("code", marker(p)), p + "-b");
    }

    // ---------------------------------------------------------------- _lastUpdated

    @Test
    void lastUpdatedPrefixesOnInstants() throws Exception {
        String p = prefix("lu");
        List<Resource> created = createSpaced(p, 3);
        String a = p + "-0";
        String b = p + "-1";
        String c = p + "-2";
        Instant ta = lastUpdated(created.get(0));
        Instant tb = lastUpdated(created.get(1));
        Instant tc = lastUpdated(created.get(2));
        assertTrue(ta.isBefore(tb) && tb.isBefore(tc), "distinct lastUpdated: " + ta + " " + tb + " " + tc);
        String ids = a + "," + b + "," + c;
        String t = MILLIS.format(tb);

        assertIds(search("_id", ids, "_lastUpdated", t), b);
        assertIds(search("_id", ids, "_lastUpdated", "eq" + t), b);
        assertIds(search("_id", ids, "_lastUpdated", "ne" + t), a, c);
        assertIds(search("_id", ids, "_lastUpdated", "gt" + t), c);
        assertIds(search("_id", ids, "_lastUpdated", "ge" + t), b, c);
        assertIds(search("_id", ids, "_lastUpdated", "lt" + t), a);
        assertIds(search("_id", ids, "_lastUpdated", "le" + t), a, b);
        assertIds(search("_id", ids, "_lastUpdated", "sa" + t), c);
        assertIds(search("_id", ids, "_lastUpdated", "eb" + t), a);

        // the same instant written with another offset
        String shifted = MILLIS.withZone(ZoneOffset.ofHours(2)).format(tb);
        assertTrue(shifted.endsWith("+02:00"), shifted);
        assertIds(search("_id", ids, "_lastUpdated", "eq" + shifted), b);
        assertIds(search("_id", ids, "_lastUpdated", "lt" + shifted), a);

        // a range by repeating the parameter (AND), and a list of instants (OR)
        assertIds(search("_id", ids, "_lastUpdated", "ge" + MILLIS.format(ta), "_lastUpdated",
                "lt" + MILLIS.format(tc)), a, b);
        assertIds(search("_id", ids, "_lastUpdated", MILLIS.format(ta) + "," + MILLIS.format(tc)), a, c);
        // one millisecond either side of an instant is another instant
        assertIds(search("_id", ids, "_lastUpdated", "eq" + MILLIS.format(tb.plusMillis(1))));
        assertIds(search("_id", ids, "_lastUpdated", "gt" + MILLIS.format(tb.minusMillis(1))), b, c);
        assertIds(search("_id", ids, "_lastUpdated", "lt" + MILLIS.format(tb.plusMillis(1))), a, b);
    }

    @Test
    void lastUpdatedPrefixesOnDaysAndSeconds() throws Exception {
        String p = prefix("luday");
        List<Resource> created = createSpaced(p, 3);
        Map<String, Long> times = new LinkedHashMap<>();
        for (Resource r : created) {
            times.put(r.getIdElement().getIdPart(), lastUpdated(r).toEpochMilli());
        }
        String ids = String.join(",", times.keySet());
        LocalDate day = lastUpdated(created.get(1)).atZone(ZoneOffset.UTC).toLocalDate();
        for (LocalDate d : List.of(day.minusDays(1), day, day.plusDays(1))) {
            long lo = d.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            long hi = d.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            checkDatePrefixes(ids, times, d.toString(), lo, hi);
        }
        // the day of the resources contains all three; the days around them none
        assertIds(search("_id", ids, "_lastUpdated", day.minusDays(1).toString()));
        assertIds(search("_id", ids, "_lastUpdated", "gt" + day.minusDays(1)), times.keySet().toArray(String[]::new));
        assertIds(search("_id", ids, "_lastUpdated", "lt" + day.plusDays(1)), times.keySet().toArray(String[]::new));

        // second precision: the whole second
        Instant second = lastUpdated(created.get(1)).truncatedTo(ChronoUnit.SECONDS);
        checkDatePrefixes(ids, times, SECONDS.format(second), second.toEpochMilli(), second.toEpochMilli() + 1000);
        assertFalse(ids(search("_id", ids, "_lastUpdated", SECONDS.format(second))).isEmpty());
        // month and year precision
        String month = day.toString().substring(0, 7);
        assertIds(search("_id", ids, "_lastUpdated", "eq" + month.substring(0, 4)),
                expected(times, t -> yearOf(t) == day.getYear()));
        assertIds(search("_id", ids, "_lastUpdated", "eq" + month),
                expected(times, t -> month.equals(Instant.ofEpochMilli(t).toString().substring(0, 7))));
    }

    @Test
    void invalidLastUpdatedIsRejected() throws Exception {
        HttpResponse<String> response = SERVER.get("/Medication?_lastUpdated=" + enc("gt-not-a-date"));
        assertEquals(400, response.statusCode(), response.body());
        assertOperationOutcome(response);
    }

    /** Checks every prefix against a search value covering [lo, hi): the FHIR R4 prefix semantics. */
    private void checkDatePrefixes(String ids, Map<String, Long> times, String value, long lo, long hi)
            throws Exception {
        Map<String, LongPredicate> prefixes = new LinkedHashMap<>();
        prefixes.put("", t -> t >= lo && t < hi);
        prefixes.put("eq", t -> t >= lo && t < hi);
        prefixes.put("ne", t -> !(t >= lo && t < hi));
        prefixes.put("gt", t -> t >= hi);
        prefixes.put("ge", t -> t >= lo);
        prefixes.put("lt", t -> t < lo);
        prefixes.put("le", t -> t < hi);
        prefixes.put("sa", t -> t >= hi);
        prefixes.put("eb", t -> t < lo);
        for (Map.Entry<String, LongPredicate> e : prefixes.entrySet()) {
            String query = e.getKey() + value;
            assertEquals(List.of(expected(times, e.getValue())), List.of(sortedIds(search("_id", ids, "_lastUpdated",
                    query))), "_lastUpdated=" + query + " with lastUpdated " + times);
        }
    }

    // ---------------------------------------------------------------- modifiers

    @Test
    void missingModifier() throws Exception {
        String p = prefix("missing");
        Medication m = markedMedication(p + "-a", p);
        m.getBatch().setLotNumber("LOT-" + p).setExpirationDateElement(new DateTimeType("2030-01-31"));
        put(m);
        String ids = CONTENT_IDS + "," + p + "-a";
        assertIds(search("lot-number:missing", "true", "_id", ids), MG5, MG10, MG20);
        assertIds(search("lot-number:missing", "false", "_id", ids), p + "-a");
        assertIds(search("expiration-date:missing", "true", "_id", ids), MG5, MG10, MG20);
        assertIds(search("expiration-date:missing", "false", "_id", ids), p + "-a");
        assertIds(search("code:missing", "false", "_id", ids), MG5, MG10, MG20, p + "-a");
        assertIds(search("code:missing", "true", "_id", ids));
        assertIds(search("lot-number", "LOT-" + p), p + "-a");
    }

    @Test
    void notModifierOnToken() throws Exception {
        assertIds(search("code:not", "197391", "_id", CONTENT_IDS), MG5, MG20);
        assertIds(search("code:not", RXNORM + "|197391", "_id", CONTENT_IDS), MG5, MG20);
        assertIds(search("code:not", NDC + "|0527-1330-01", "_id", CONTENT_IDS), MG5, MG20);
        // the right code in another system does not exclude
        assertIds(search("code:not", SNOMED + "|197391", "_id", CONTENT_IDS), MG5, MG10, MG20);
        assertIds(search("code:not", "197391,197392", "_id", CONTENT_IDS), MG5);
        assertIds(search("status:not", "active", "_id", CONTENT_IDS));

        // a resource without any value for the parameter is "not" every value
        String p = prefix("not");
        Medication m = markedMedication(p + "-a", p);
        m.getBatch().setLotNumber("LOT-" + p);
        put(m);
        String ids = CONTENT_IDS + "," + p + "-a";
        assertIds(search("lot-number:not", "LOT-" + p, "_id", ids), MG5, MG10, MG20);
        assertIds(search("lot-number:not", "OTHER-LOT", "_id", ids), MG5, MG10, MG20, p + "-a");
    }

    @Test
    void textModifierOnTokenSearchesCodingDisplay() throws Exception {
        // displays: "baclofen 5 MG Oral Tablet", "baclofen 10 MG Oral Tablet", "baclofen 20 MG Oral Tablet"
        assertIds(search("code:text", "baclofen 20 mg", "_id", CONTENT_IDS), MG20);
        assertIds(search("code:text", "BACLOFEN", "_id", CONTENT_IDS), MG5, MG10, MG20);
        assertIds(search("form:text", "oral tablet", "_id", CONTENT_IDS), MG5, MG10, MG20);
        assertIds(search("code:text", "ibuprofen", "_id", CONTENT_IDS));

        String p = prefix("text");
        Medication m = markedMedication(p + "-a", p);
        m.getCode().addCoding().setSystem("http://example.org/fhir/test/" + p).setCode("x")
                .setDisplay("Quorvatine " + p + " oral solution");
        put(m);
        assertIds(search("code:text", "quorvatine " + p), p + "-a");
        assertIds(search("code:text", "QUORVATINE " + p.toUpperCase()), p + "-a");
    }

    @Test
    void textModifierOnTokenSearchesCodeableConceptText() throws Exception {
        // R4 search.html#modifiers: ":text" searches CodeableConcept.text as well as Coding.display; here every
        // coding has a display of its own and only the concept's text holds the word searched for
        String p = prefix("cctext");
        Medication m = markedMedication(p + "-a", p);
        m.getCode().setText("Zyxolentin " + p + " compounded suspension");
        assertTrue(m.getCode().getCoding().stream().allMatch(Coding::hasDisplay));
        put(m);
        assertIds(search("code:text", "zyxolentin " + p), p + "-a");
        assertIds(search("code:text", "Zyxolentin " + p + " compounded"), p + "-a");
    }

    @Test
    void textModifierOnTokenIgnoresAccentsAndCase() throws Exception {
        String p = prefix("accent");
        Medication m = markedMedication(p + "-a", p);
        m.getCode().addCoding().setSystem("http://example.org/fhir/test/" + p).setCode("x")
                .setDisplay("Héparine " + p + " sodique 5000 UI/mL");
        put(m);
        // found with the display's own spelling, and (FHIR string matching ignores case and accents) without the
        // accent or in capitals
        assertAll(
                () -> assertIds(search("code:text", "Héparine " + p), p + "-a"),
                () -> assertIds(search("code:text", "heparine " + p), p + "-a"),
                () -> assertIds(search("code:text", "HÉPARINE " + p.toUpperCase()), p + "-a"));
    }

    @Test
    void unsupportedModifierIsRejected() throws Exception {
        HttpResponse<String> response = SERVER.get("/Medication?code:exact=197391");
        assertEquals(400, response.statusCode(), response.body());
        assertOperationOutcome(response);
    }

    // ---------------------------------------------------------------- totals and result parameters

    @Test
    void bundleTotalCountsAllMatchesNotThePage() throws Exception {
        Bundle all = search("_id", CONTENT_IDS);
        assertEquals(3, all.getTotal());
        Bundle page = search("_id", CONTENT_IDS, "_count", "2");
        assertTrue(page.hasTotal());
        assertEquals(3, page.getTotal());
        assertEquals(2, page.getEntry().size());
        assertNotNull(page.getLink("next"), "a next link when more matches remain");
        Bundle none = search("code", "no-such-code");
        assertTrue(none.hasTotal());
        assertEquals(0, none.getTotal());
        assertEquals(0, none.getEntry().size());
    }

    @Test
    void totalNoneLeavesOutTheTotal() throws Exception {
        Bundle bundle = search("_id", CONTENT_IDS, "_total", "none");
        assertFalse(bundle.hasTotal(), "_total=none must not report a total");
        assertEquals(3, bundle.getEntry().size());
        Bundle accurate = search("_id", CONTENT_IDS, "_total", "accurate");
        assertTrue(accurate.hasTotal());
        assertEquals(3, accurate.getTotal());
    }

    @Test
    void totalNoneLeavesOutTheTotalAlsoWithCount() throws Exception {
        // 3 matches, 2 per page: there must be no total at all, least of all the page size
        Bundle bundle = search("_id", CONTENT_IDS, "_total", "none", "_count", "2");
        assertEquals(2, bundle.getEntry().size());
        assertFalse(bundle.hasTotal(), "_total=none&_count=2 must not report a total, got " + bundle.getTotal());
        Bundle single = search("code", "197391", "_total", "none", "_count", "5");
        assertEquals(1, single.getEntry().size());
        assertFalse(single.hasTotal(), "_total=none&_count=5 must not report a total, got " + single.getTotal());
    }

    @Test
    void countZeroGivesOnlyTheTotal() throws Exception {
        Bundle bundle = search("_id", CONTENT_IDS, "_count", "0");
        assertTrue(bundle.hasTotal(), "_count=0 must still report the total");
        assertEquals(3, bundle.getTotal());
        assertEquals(0, bundle.getEntry().size());
        assertTrue(bundle.getLink("next") == null, "no next link when no entries are returned");
        Bundle filtered = search("code", "197391,197392", "_count", "0");
        assertEquals(2, filtered.getTotal());
        assertEquals(0, filtered.getEntry().size());
    }

    // ---------------------------------------------------------------- POST, links, unknown parameters

    @Test
    void postSearchWithFormBodyGivesTheSameResultsAsGet() throws Exception {
        List<String[]> queries = List.of(
                new String[] {"code", RXNORM + "|197391"},
                new String[] {"code", "197391,430902"},
                new String[] {"_id", CONTENT_IDS, "code:not", "197392"},
                new String[] {"code", RXNORM + "|197391", "code", NDC + "|0527-1330-01"},
                new String[] {"_id", CONTENT_IDS, "_count", "2"});
        for (String[] query : queries) {
            Bundle get = search(query);
            HttpResponse<String> response = SERVER.send(SERVER.request("/Medication/_search")
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Accept", FHIR_JSON)
                    .POST(HttpRequest.BodyPublishers.ofString(queryString(query))));
            assertEquals(200, response.statusCode(), response.body());
            Bundle post = parser().parseResource(Bundle.class, response.body());
            assertSearchset(post);
            assertEquals(ids(get), ids(post), "POST _search with " + queryString(query));
            assertEquals(get.getTotal(), post.getTotal(), "total of POST _search with " + queryString(query));
            assertFalse(ids(get).isEmpty(), "the query matches something: " + queryString(query));
        }
    }

    @Test
    void everyEntryHasFullUrlAndMatchMode() throws Exception {
        Bundle bundle = search("_id", CONTENT_IDS);
        assertEquals(3, bundle.getEntry().size());
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            String id = entry.getResource().getIdElement().getIdPart();
            assertEquals(SERVER.baseUrl() + "/Medication/" + id, entry.getFullUrl());
            assertEquals(Bundle.SearchEntryMode.MATCH, entry.getSearch().getMode());
        }
        assertEquals(Bundle.BundleType.SEARCHSET, bundle.getType());
    }

    @Test
    void selfLinkRepeatsTheSearch() throws Exception {
        Bundle bundle = search("code", RXNORM + "|197391", "_count", "5");
        Map<String, List<String>> self = linkParams(bundle, "self");
        assertEquals(List.of(RXNORM + "|197391"), self.get("code"), "self link " + bundle.getLink("self").getUrl());
        assertEquals(List.of("5"), self.get("_count"));
        assertTrue(bundle.getLink("self").getUrl().startsWith(SERVER.baseUrl() + "/Medication"));
        // following the self link gives the same page
        assertEquals(ids(bundle), ids(getBundle(bundle.getLink("self").getUrl())));
    }

    @Test
    void unknownParameterIsIgnoredAndLeftOutOfTheSelfLink() throws Exception {
        Bundle plain = search("_id", CONTENT_IDS);
        Bundle withUnknown = search("_id", CONTENT_IDS, "not-a-real-param", "whatever");
        assertEquals(ids(plain), ids(withUnknown));
        assertEquals(3, withUnknown.getTotal());
        String self = withUnknown.getLink("self").getUrl();
        Map<String, List<String>> params = linkParams(withUnknown, "self");
        assertFalse(params.containsKey("not-a-real-param"), "unknown parameter in self link " + self);
        assertFalse(self.contains("whatever"), self);
        assertEquals(List.of(CONTENT_IDS), params.get("_id"), self);
        // nor in the paging links
        Bundle paged = search("_id", CONTENT_IDS, "not-a-real-param", "whatever", "_count", "1");
        Map<String, List<String>> next = linkParams(paged, "next");
        assertFalse(next.containsKey("not-a-real-param"), "unknown parameter in next link " + next);
        assertEquals(List.of(CONTENT_IDS), next.get("_id"));
        assertEquals(List.of("1"), next.get("_count"));

        // with Prefer: handling=strict the unknown parameter is an error instead
        HttpResponse<String> strict = SERVER.send(SERVER.request("/Medication?" + queryString("_id", CONTENT_IDS,
                        "not-a-real-param", "whatever"))
                .header("Accept", FHIR_JSON)
                .header("Prefer", "handling=strict")
                .GET());
        assertEquals(400, strict.statusCode(), strict.body());
        assertOperationOutcome(strict);
    }

    // ================================================================ helpers

    /** A unique prefix for one test's resources (ids are at most 64 characters). */
    static String prefix(String name) {
        return "s-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Creates {@code n} Medications {@code prefix-0..n-1} in order, each with a later lastUpdated. */
    List<Resource> createSpaced(String prefix, int n) throws Exception {
        List<Resource> created = new ArrayList<>();
        Instant previous = Instant.EPOCH;
        for (int i = 0; i < n; i++) {
            Resource r = put(markedMedication(prefix + "-" + i, prefix));
            // lastUpdated has millisecond resolution: make sure the next write gets a later one
            while (!lastUpdated(r).isAfter(previous)) {
                Thread.sleep(2);
                r = put(withStatusToggled((Medication) r));
            }
            previous = lastUpdated(r);
            created.add(r);
            Thread.sleep(3);
        }
        return created;
    }

    private static Medication withStatusToggled(Medication m) {
        m.setStatus(m.getStatus() == Medication.MedicationStatus.ACTIVE
                ? Medication.MedicationStatus.INACTIVE : Medication.MedicationStatus.ACTIVE);
        return m;
    }

    /** PUTs (create or update) {@code resource} and returns the stored resource from the response. */
    static Resource put(Resource resource) throws Exception {
        String type = resource.fhirType();
        String id = resource.getIdElement().getIdPart();
        HttpResponse<String> response = SERVER.send(SERVER.request("/" + type + "/" + id)
                .header("Content-Type", FHIR_JSON)
                .header("Accept", FHIR_JSON)
                .PUT(HttpRequest.BodyPublishers.ofString(parser().encodeResourceToString(resource))));
        assertTrue(response.statusCode() == 200 || response.statusCode() == 201,
                "PUT " + type + "/" + id + " gave " + response.statusCode() + ": " + response.body());
        return (Resource) parser().parseResource(response.body());
    }

    static Instant lastUpdated(Resource r) {
        return r.getMeta().getLastUpdated().toInstant();
    }

    static IParser parser() {
        return SERVER.clientContext().newJsonParser();
    }

    /** GET /Medication with the given name/value pairs; asserts a well-formed searchset. */
    static Bundle search(String... nameValues) throws Exception {
        return searchType("Medication", nameValues);
    }

    static Bundle searchType(String type, String... nameValues) throws Exception {
        HttpResponse<String> response = SERVER.get("/" + type + "?" + queryString(nameValues));
        assertEquals(200, response.statusCode(), "GET /" + type + "?" + queryString(nameValues) + ": "
                + response.body());
        Bundle bundle = parser().parseResource(Bundle.class, response.body());
        assertSearchset(bundle);
        return bundle;
    }

    static Bundle getBundle(String absoluteUrl) throws Exception {
        HttpResponse<String> response = SERVER.send(HttpRequest.newBuilder(URI.create(absoluteUrl))
                .header("Accept", FHIR_JSON).GET());
        assertEquals(200, response.statusCode(), "GET " + absoluteUrl + ": " + response.body());
        Bundle bundle = parser().parseResource(Bundle.class, response.body());
        assertSearchset(bundle);
        return bundle;
    }

    /** Every searchset entry carries its fullUrl and search.mode = match. */
    static void assertSearchset(Bundle bundle) {
        assertEquals(Bundle.BundleType.SEARCHSET, bundle.getType());
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            assertTrue(entry.hasResource(), "entry has a resource");
            Resource r = entry.getResource();
            assertEquals(SERVER.baseUrl() + "/" + r.fhirType() + "/" + r.getIdElement().getIdPart(),
                    entry.getFullUrl(), "fullUrl");
            assertEquals(Bundle.SearchEntryMode.MATCH, entry.getSearch().getMode(), "search.mode");
        }
    }

    static String queryString(String... nameValues) {
        assertEquals(0, nameValues.length % 2, "name/value pairs");
        List<String> pairs = new ArrayList<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            pairs.add(enc(nameValues[i]) + "=" + enc(nameValues[i + 1]));
        }
        return String.join("&", pairs);
    }

    static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static List<String> ids(Bundle bundle) {
        return bundle.getEntry().stream().map(e -> e.getResource().getIdElement().getIdPart()).toList();
    }

    static String[] sortedIds(Bundle bundle) {
        return new TreeSet<>(ids(bundle)).toArray(String[]::new);
    }

    /** The bundle holds exactly {@code expected} (in any order), each once, and its total says so. */
    static void assertIds(Bundle bundle, String... expected) {
        List<String> actual = ids(bundle);
        String self = bundle.getLink("self") == null ? "?" : bundle.getLink("self").getUrl();
        assertEquals(new TreeSet<>(List.of(expected)), new TreeSet<>(actual), "matches of " + self);
        assertEquals(expected.length, actual.size(), "each match once: " + actual + " for " + self);
        assertTrue(bundle.hasTotal(), "total present for " + self);
        assertEquals(expected.length, bundle.getTotal(), "Bundle.total of " + self);
    }

    static String[] expected(Map<String, Long> times, LongPredicate match) {
        return times.entrySet().stream()
                .filter(e -> match.test(e.getValue()))
                .map(Map.Entry::getKey)
                .sorted()
                .toArray(String[]::new);
    }

    private static int yearOf(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).atZone(ZoneOffset.UTC).getYear();
    }

    static Map<String, List<String>> linkParams(Bundle bundle, String relation) {
        Bundle.BundleLinkComponent link = bundle.getLink(relation);
        assertNotNull(link, relation + " link");
        return TestData.linkParams(link.getUrl());
    }

    static void assertOperationOutcome(HttpResponse<String> response) {
        OperationOutcome oo = parser().parseResource(OperationOutcome.class, response.body());
        assertTrue(oo.hasIssue(), "OperationOutcome has an issue");
        assertEquals(OperationOutcome.IssueSeverity.ERROR, oo.getIssueFirstRep().getSeverity());
    }
}
