package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ca.uhn.fhir.parser.IParser;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Basic;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleEntryComponent;
import org.hl7.fhir.r4.model.Bundle.SearchEntryMode;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceSearchParamComponent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.InsurancePlan;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The checks a Da Vinci US Drug Formulary (STU2, 2.0.1) tester runs against the server, over HTTP: the
 * CapabilityStatement, the resources of each profile, every SHALL search parameter of {@code usdf-server} (alone, AND
 * combined, paged, and as POST {@code _search}), the IG's {@code _include}s and the chained subject search. Every
 * resource any of these returns must also validate against its profile with no error and have only references that
 * resolve.
 */
class DaVinciFormularyConformanceTest {

    @RegisterExtension
    static final FormularyServerExtension SERVER = new FormularyServerExtension();

    private static final String USDF = "http://hl7.org/fhir/us/davinci-drug-formulary/";
    private static final String USDF_SERVER = USDF + "CapabilityStatement/usdf-server";
    private static final String FORMULARY = USDF + "StructureDefinition/usdf-Formulary";
    private static final String PAYER_PLAN = USDF + "StructureDefinition/usdf-PayerInsurancePlan";
    private static final String FORMULARY_ITEM = USDF + "StructureDefinition/usdf-FormularyItem";
    private static final String PLAN_LOCATION = USDF + "StructureDefinition/usdf-InsurancePlanLocation";
    private static final String FORMULARY_DRUG = USDF + "StructureDefinition/usdf-FormularyDrug";
    private static final String FORMULARY_REFERENCE_EXT = USDF + "StructureDefinition/usdf-FormularyReference-extension";
    private static final String AVAILABILITY_STATUS_EXT = USDF + "StructureDefinition/usdf-AvailabilityStatus-extension";
    private static final String AVAILABILITY_PERIOD_EXT = USDF + "StructureDefinition/usdf-AvailabilityPeriod-extension";
    private static final String PHARMACY_BENEFIT_EXT = USDF + "StructureDefinition/usdf-PharmacyBenefitType-extension";
    private static final String DRUG_TIER_EXT = USDF + "StructureDefinition/usdf-DrugTierID-extension";
    private static final String DRUG_TIER_CS = USDF + "CodeSystem/usdf-DrugTierCS-TEMPORARY-TRIAL-USE";
    private static final String PHARMACY_BENEFIT_CS = USDF + "CodeSystem/usdf-PharmacyBenefitTypeCS-TEMPORARY-TRIAL-USE";
    private static final String ITEM_TYPE_CS = USDF + "CodeSystem/usdf-InsuranceItemTypeCS";
    private static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    private static final String FORMULARY_ID_SYSTEM = "http://example.org/fhir/formulary/identifier/formulary";

    /** The SHALL search parameters of usdf-server, by resource type. */
    private static final Map<String, List<String>> SHALL_SEARCH_PARAMS = new LinkedHashMap<>();

    static {
        SHALL_SEARCH_PARAMS.put("InsurancePlan", List.of("_id", "_lastUpdated", "identifier", "status", "period",
                "type", "name", "coverage-type", "formulary-coverage", "coverage-area"));
        SHALL_SEARCH_PARAMS.put("Basic", List.of("_id", "_lastUpdated", "code", "subject", "status", "period",
                "formulary", "pharmacy-benefit-type", "drug-tier"));
        SHALL_SEARCH_PARAMS.put("MedicationKnowledge", List.of("_id", "_lastUpdated", "status", "code", "drug-name",
                "doseform"));
        SHALL_SEARCH_PARAMS.put("Location", List.of("_id", "_lastUpdated", "address", "address-city",
                "address-state", "address-postalcode"));
    }

    /** A relative literal reference: {@code Type/id}, optionally with {@code /_history/version}. */
    private static final Pattern RELATIVE_REFERENCE =
            Pattern.compile("[A-Z][A-Za-z]+/[A-Za-z0-9\\-.]{1,64}(/_history/[A-Za-z0-9\\-.]{1,64})?");

    private static final IParser PARSER = TestData.parser();

    /** Versioned ids of the resources already validated, and references already resolved (the content is fixed). */
    private static final Set<String> VALIDATED = ConcurrentHashMap.newKeySet();
    private static final Set<String> RESOLVED = ConcurrentHashMap.newKeySet();
    /** Every resource of a type, as the server lists it. */
    private static final Map<String, List<Resource>> ALL_OF_TYPE = new ConcurrentHashMap<>();

    // ---------------------------------------------------------------------------------------------------------------
    // 1. CapabilityStatement

    @Test
    void metadataWithoutAuthorizationDeclaresUsdfServer() throws Exception {
        HttpResponse<String> response = SERVER.send(SERVER.request("/metadata").header("Accept", TestData.FHIR_JSON));
        assertEquals(200, response.statusCode(), response.body());
        CapabilityStatement cs = PARSER.parseResource(CapabilityStatement.class, response.body());

        assertEquals("4.0.1", cs.getFhirVersion().toCode());
        assertTrue(cs.getFormat().stream().anyMatch(f -> f.getValue().contains("json")), "JSON format listed");
        assertTrue(cs.getInstantiates().stream().anyMatch(i -> USDF_SERVER.equals(i.getValue())),
                "instantiates " + USDF_SERVER);

        for (Map.Entry<String, List<String>> type : SHALL_SEARCH_PARAMS.entrySet()) {
            CapabilityStatementRestResourceComponent resource = cs.getRestFirstRep().getResource().stream()
                    .filter(r -> type.getKey().equals(r.getType())).findFirst().orElse(null);
            assertNotNull(resource, type.getKey() + " listed");
            Set<String> interactions = resource.getInteraction().stream()
                    .map(i -> i.getCode().toCode()).collect(Collectors.toSet());
            assertTrue(interactions.containsAll(Set.of("read", "search-type")), type.getKey() + ": " + interactions);
            Set<String> params = resource.getSearchParam().stream()
                    .map(CapabilityStatementRestResourceSearchParamComponent::getName).collect(Collectors.toSet());
            List<String> missing = type.getValue().stream().filter(p -> !params.contains(p)).toList();
            assertTrue(missing.isEmpty(), type.getKey() + " does not advertise " + missing);
        }
        assertSupports(cs, "InsurancePlan", List.of(FORMULARY, PAYER_PLAN), List.of("InsurancePlan:formulary-coverage"));
        assertSupports(cs, "Basic", List.of(FORMULARY_ITEM), List.of("Basic:subject", "Basic:formulary"));
        assertSupports(cs, "Location", List.of(PLAN_LOCATION), List.of());
    }

    @Test
    void theCheckedSearchParametersCoverEveryShallOfTheIgsCapabilityStatement() throws Exception {
        CapabilityStatement ig;
        try (InputStream in = getClass().getResourceAsStream("/conformance/CapabilityStatement-usdf-server.json")) {
            assertNotNull(in, "the IG's usdf-server CapabilityStatement on the class path");
            ig = PARSER.parseResource(CapabilityStatement.class, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        for (CapabilityStatementRestResourceComponent resource : ig.getRestFirstRep().getResource()) {
            for (CapabilityStatementRestResourceSearchParamComponent param : resource.getSearchParam()) {
                boolean shall = param.getExtension().stream().anyMatch(e -> "SHALL".equals(e.getValue().primitiveValue()));
                if (shall) {
                    assertTrue(SHALL_SEARCH_PARAMS.getOrDefault(resource.getType(), List.of()).contains(param.getName()),
                            resource.getType() + "?" + param.getName() + " is SHALL in usdf-server");
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 2. The resources of each profile

    @Test
    void eachProfileHasItsResources() throws Exception {
        assertProfileHolds("InsurancePlan", FORMULARY, Set.of("formulary-hospital"));
        assertProfileHolds("InsurancePlan", PAYER_PLAN, Set.of("payer-plan-hospital"));
        assertProfileHolds("Location", PLAN_LOCATION, Set.of("formulary-service-area"));
        Set<String> oneItemPerProduct = allOf("MedicationKnowledge").stream()
                .map(mk -> "formulary-item-" + mk.getIdElement().getIdPart()).collect(Collectors.toSet());
        assertEquals(14, oneItemPerProduct.size());
        assertProfileHolds("Basic", FORMULARY_ITEM, oneItemPerProduct);
        // Every monograph whose product has a verified RxNorm SCD; the intrathecal 500 and 2000 mcg/mL products
        // have no verified code (codes.md), so they cannot fill FormularyDrug's required semantic-drug coding.
        Set<String> withVerifiedScd = allOf("MedicationKnowledge").stream()
                .filter(mk -> ((MedicationKnowledge) mk).getCode().hasCoding())
                .map(mk -> mk.getIdElement().getIdPart()).collect(Collectors.toSet());
        assertEquals(12, withVerifiedScd.size(), withVerifiedScd.toString());
        assertProfileHolds("MedicationKnowledge", FORMULARY_DRUG, withVerifiedScd);
    }

    @Test
    void formularyDrugAcceptsOnlyVerifiedRxNormCodesOfASemanticDrugTermType() throws Exception {
        MedicationKnowledge drug = (MedicationKnowledge) read("MedicationKnowledge/baclofen-10mg-tablet");
        assertEquals(List.of(), validationErrors(drug));

        // Without the verified term types the validator cannot place any RxNorm code in SemanticDrugVS, so the
        // unchanged monograph passing above is what shows them at work; these codes must still fail the slice.
        drug.getCode().getCodingFirstRep().setCode("1292").setDisplay("baclofen");
        assertTrue(validationErrors(drug).stream().anyMatch(e -> e.contains("semantic-drug")),
                "an ingredient (TTY IN) is not a semantic drug: " + validationErrors(drug));
        drug.getCode().getCodingFirstRep().setCode("999999999").setDisplay("not a verified code");
        assertTrue(validationErrors(drug).stream().anyMatch(e -> e.contains("semantic-drug")),
                "an unverified code cannot be confirmed offline: " + validationErrors(drug));
    }

    private static void assertProfileHolds(String type, String profile, Set<String> expectedIds) throws Exception {
        List<Resource> found = matches(searchAll(type + "?" + query("_profile=" + profile + "&_count=2")));
        assertEquals(expectedIds, idParts(found), type + "?_profile=" + profile);
        for (Resource resource : found) {
            assertTrue(resource.getMeta().hasProfile(profile), key(resource) + " claims " + profile);
        }
        List<Resource> read = new ArrayList<>();
        for (String id : expectedIds) {
            read.add(read(type + "/" + id));
        }
        assertConformant(found);
        assertConformant(read);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 3. Every SHALL search parameter, alone and combined

    static Stream<Arguments> shallSearches() {
        return Stream.of(
                // InsurancePlan
                search(InsurancePlan.class, "_id=formulary-hospital", p -> idIs(p, "formulary-hospital")),
                search(InsurancePlan.class, "identifier=" + FORMULARY_ID_SYSTEM + "|HOSPITAL-FORMULARY-2026-27",
                        p -> hasIdentifier(p.getIdentifier(), FORMULARY_ID_SYSTEM, "HOSPITAL-FORMULARY-2026-27")),
                search(InsurancePlan.class, "identifier=EXAMPLE-PLAN-2026-27",
                        p -> hasIdentifier(p.getIdentifier(), null, "EXAMPLE-PLAN-2026-27")),
                search(InsurancePlan.class, "status=active", p -> "active".equals(p.getStatusElement().getValueAsString())),
                search(InsurancePlan.class, "period=ge2027-01-01", p -> periodGe(p.getPeriod(), "2027-01-01")),
                search(InsurancePlan.class, "period=le2026-12-31&period=ge2026-12-31",
                        p -> periodLe(p.getPeriod(), "2026-12-31") && periodGe(p.getPeriod(), "2026-12-31")),
                search(InsurancePlan.class, "type=" + ACT_CODE + "|DRUGPOL",
                        p -> hasCoding(p.getType(), ACT_CODE, "DRUGPOL")),
                search(InsurancePlan.class, "name=hospital", p -> startsWith(p.getName(), "hospital")),
                search(InsurancePlan.class, "name:contains=MUSCLE", p -> normalize(p.getName()).contains("muscle")),
                search(InsurancePlan.class, "coverage-type=" + ACT_CODE + "|DRUGPOL",
                        p -> hasCoding(p.getCoverage().stream().map(c -> c.getType()).toList(), ACT_CODE, "DRUGPOL")),
                search(InsurancePlan.class, "formulary-coverage=InsurancePlan/formulary-hospital",
                        p -> formularyCoverage(p).contains("InsurancePlan/formulary-hospital")),
                search(InsurancePlan.class, "coverage-area=Location/formulary-service-area",
                        p -> references(p.getCoverageArea()).contains("Location/formulary-service-area")),
                search(InsurancePlan.class, "status=active&type=" + ACT_CODE + "|DRUGPOL",
                        p -> "active".equals(p.getStatusElement().getValueAsString()) && hasCoding(p.getType(), ACT_CODE, "DRUGPOL")),
                search(InsurancePlan.class, "formulary-coverage=InsurancePlan/formulary-hospital"
                                + "&coverage-area=Location/formulary-service-area&name=example",
                        p -> formularyCoverage(p).contains("InsurancePlan/formulary-hospital")
                                && references(p.getCoverageArea()).contains("Location/formulary-service-area")
                                && startsWith(p.getName(), "example")),
                // Basic (FormularyItem)
                search(Basic.class, "_id=formulary-item-baclofen-10mg-tablet",
                        b -> idIs(b, "formulary-item-baclofen-10mg-tablet")),
                search(Basic.class, "code=" + ITEM_TYPE_CS + "|formulary-item",
                        b -> hasCoding(List.of(b.getCode()), ITEM_TYPE_CS, "formulary-item")),
                search(Basic.class, "subject=MedicationKnowledge/baclofen-10mg-tablet",
                        b -> "MedicationKnowledge/baclofen-10mg-tablet".equals(b.getSubject().getReference())),
                search(Basic.class, "status=active", b -> extensionCodes(b, AVAILABILITY_STATUS_EXT).contains("active")),
                search(Basic.class, "period=ge2027-01-01",
                        b -> extensionPeriods(b).stream().anyMatch(p -> periodGe(p, "2027-01-01"))),
                search(Basic.class, "period=le2026-12-31&period=ge2026-12-31",
                        b -> extensionPeriods(b).stream().anyMatch(p -> periodLe(p, "2026-12-31"))
                                && extensionPeriods(b).stream().anyMatch(p -> periodGe(p, "2026-12-31"))),
                search(Basic.class, "formulary=InsurancePlan/formulary-hospital",
                        b -> extensionReferences(b, FORMULARY_REFERENCE_EXT).contains("InsurancePlan/formulary-hospital")),
                search(Basic.class, "pharmacy-benefit-type=" + PHARMACY_BENEFIT_CS + "|3-month-in-mail",
                        b -> hasCoding(extensionConcepts(b, PHARMACY_BENEFIT_EXT), PHARMACY_BENEFIT_CS, "3-month-in-mail")),
                search(Basic.class, "drug-tier=" + DRUG_TIER_CS + "|preferred-generic",
                        b -> hasCoding(extensionConcepts(b, DRUG_TIER_EXT), DRUG_TIER_CS, "preferred-generic")),
                search(Basic.class, "formulary=InsurancePlan/formulary-hospital&drug-tier=" + DRUG_TIER_CS + "|specialty",
                        b -> extensionReferences(b, FORMULARY_REFERENCE_EXT).contains("InsurancePlan/formulary-hospital")
                                && hasCoding(extensionConcepts(b, DRUG_TIER_EXT), DRUG_TIER_CS, "specialty")),
                search(Basic.class, "status=active&pharmacy-benefit-type=" + PHARMACY_BENEFIT_CS + "|1-month-in-retail"
                                + "&drug-tier=non-preferred-generic",
                        b -> extensionCodes(b, AVAILABILITY_STATUS_EXT).contains("active")
                                && hasCoding(extensionConcepts(b, PHARMACY_BENEFIT_EXT), PHARMACY_BENEFIT_CS, "1-month-in-retail")
                                && hasCoding(extensionConcepts(b, DRUG_TIER_EXT), null, "non-preferred-generic")),
                search(Basic.class, "code=formulary-item&subject=MedicationKnowledge/tizanidine-4mg-tablet",
                        b -> hasCoding(List.of(b.getCode()), null, "formulary-item")
                                && "MedicationKnowledge/tizanidine-4mg-tablet".equals(b.getSubject().getReference())),
                // MedicationKnowledge
                search(MedicationKnowledge.class, "_id=baclofen-10mg-tablet", m -> idIs(m, "baclofen-10mg-tablet")),
                search(MedicationKnowledge.class, "status=active", m -> "active".equals(m.getStatusElement().getValueAsString())),
                search(MedicationKnowledge.class, "code=" + TestData.RXNORM + "|197391",
                        m -> hasCoding(List.of(m.getCode()), TestData.RXNORM, "197391")),
                search(MedicationKnowledge.class, "drug-name=bacl", m -> drugNameStartsWith(m, "bacl")),
                search(MedicationKnowledge.class, "drug-name=BACL", m -> drugNameStartsWith(m, "bacl")),
                search(MedicationKnowledge.class, "drug-name=gablofen", m -> drugNameStartsWith(m, "gablofen")),
                search(MedicationKnowledge.class, "doseform=" + TestData.SNOMED + "|385023001",
                        m -> hasCoding(List.of(m.getDoseForm()), TestData.SNOMED, "385023001")),
                search(MedicationKnowledge.class, "drug-name=bacl&doseform=" + TestData.SNOMED + "|421026006",
                        m -> drugNameStartsWith(m, "bacl") && hasCoding(List.of(m.getDoseForm()), TestData.SNOMED, "421026006")),
                // Location (InsurancePlanLocation)
                search(Location.class, "_id=formulary-service-area", l -> idIs(l, "formulary-service-area")),
                search(Location.class, "address=springfield", l -> addressPartStartsWith(l, "springfield")),
                search(Location.class, "address-city=Spring", l -> startsWith(l.getAddress().getCity(), "spring")),
                search(Location.class, "address-state=IL", l -> startsWith(l.getAddress().getState(), "il")),
                search(Location.class, "address-postalcode=627", l -> startsWith(l.getAddress().getPostalCode(), "627")),
                search(Location.class, "address-city=springfield&address-state=il&address-postalcode=62701",
                        l -> startsWith(l.getAddress().getCity(), "springfield") && startsWith(l.getAddress().getState(), "il")
                                && startsWith(l.getAddress().getPostalCode(), "62701")));
    }

    /**
     * Pages through {@code [type]?[query]&_count=2} to the end: every returned resource matches, none is repeated,
     * and none that matches is missing (compared with the type's full listing, filtered by {@code matches}).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("shallSearches")
    void searchReturnsExactlyTheMatchingResources(String typeAndQuery, Predicate<Resource> matches) throws Exception {
        String type = typeAndQuery.substring(0, typeAndQuery.indexOf('?'));
        String readable = typeAndQuery.substring(type.length() + 1);
        List<Resource> found = matches(searchAll(type + "?" + query(readable + "&_count=2")));

        assertFalse(found.isEmpty(), typeAndQuery + " finds the content");
        assertNoDuplicates(typeAndQuery, found);
        List<String> wrong = found.stream().filter(matches.negate()).map(DaVinciFormularyConformanceTest::key).toList();
        assertTrue(wrong.isEmpty(), typeAndQuery + " returned resources that do not match: " + wrong);
        Set<String> expected = allOf(type).stream().filter(matches).map(DaVinciFormularyConformanceTest::key).collect(Collectors.toSet());
        assertEquals(expected, keys(found), typeAndQuery + " returns every matching resource");
        assertConformant(found);
    }

    @Test
    void lastUpdatedSelectsByInstant() throws Exception {
        for (String type : SHALL_SEARCH_PARAMS.keySet()) {
            List<Resource> all = allOf(type);
            Resource pivot = all.get(all.size() / 2);
            String instant = pivot.getMeta().getLastUpdatedElement().getValueAsString();
            Date at = pivot.getMeta().getLastUpdated();

            List<Resource> notBefore = matches(searchAll(type + "?" + query("_lastUpdated=ge" + instant + "&_count=2")));
            List<Resource> notAfter = matches(searchAll(type + "?" + query("_lastUpdated=le" + instant + "&_count=2")));
            List<Resource> exactly = matches(searchAll(type + "?"
                    + query("_lastUpdated=ge" + instant + "&_lastUpdated=le" + instant + "&_count=2")));

            assertEquals(keysWhere(all, r -> !r.getMeta().getLastUpdated().before(at)), keys(notBefore), type + " ge" + instant);
            assertEquals(keysWhere(all, r -> !r.getMeta().getLastUpdated().after(at)), keys(notAfter), type + " le" + instant);
            assertEquals(keysWhere(all, r -> r.getMeta().getLastUpdated().equals(at)), keys(exactly), type + " ge&le" + instant);
            assertTrue(keys(exactly).contains(key(pivot)), type + ": " + key(pivot) + " is found by its own _lastUpdated");
            assertConformant(notBefore);
            assertConformant(notAfter);
        }
    }

    @Test
    void drugNameIsACaseInsensitivePrefixOverDisplayAndSynonym() throws Exception {
        Set<String> oralBaclofen = Set.of("baclofen-10mg-tablet", "baclofen-20mg-tablet", "baclofen-5mg-tablet",
                "baclofen-1mg-ml-oral-solution", "baclofen-2mg-ml-oral-solution");
        for (String value : List.of("bacl", "BACL", "Bacl", "baclofen")) {
            assertEquals(oralBaclofen, idParts(matches(searchAll("/MedicationKnowledge?" + query("drug-name=" + value)))),
                    "drug-name=" + value + " (code.coding.display starts with baclofen)");
        }
        // "Zanaflex" is only a synonym of the tizanidine products, never a display.
        assertEquals(Set.of("tizanidine-4mg-tablet", "tizanidine-6mg-capsule"),
                idParts(matches(searchAll("/MedicationKnowledge?" + query("drug-name=zANAF")))));
        assertEquals(Set.of(), idParts(matches(searchAll("/MedicationKnowledge?" + query("drug-name=aclofen")))),
                "a prefix, not a substring");
    }

    static Stream<String> postedSearches() {
        return Stream.of(
                "Basic?formulary=InsurancePlan/formulary-hospital&drug-tier=" + DRUG_TIER_CS + "|preferred-generic",
                "Basic?status=active&pharmacy-benefit-type=" + PHARMACY_BENEFIT_CS + "|3-month-in-mail",
                "InsurancePlan?formulary-coverage=InsurancePlan/formulary-hospital",
                "MedicationKnowledge?drug-name=BACL",
                "Location?address-state=IL");
    }

    @ParameterizedTest(name = "POST {0}")
    @MethodSource("postedSearches")
    void postSearchReturnsTheSameAsGet(String typeAndQuery) throws Exception {
        String type = typeAndQuery.substring(0, typeAndQuery.indexOf('?'));
        String form = query(typeAndQuery.substring(type.length() + 1) + "&_count=2");
        List<String> viaGet = keyList(matches(searchAll(type + "?" + form)));

        HttpResponse<String> response = SERVER.send(SERVER.request("/" + type + "/_search")
                .header("Accept", TestData.FHIR_JSON)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(BodyPublishers.ofString(form)));
        assertEquals(200, response.statusCode(), "POST " + type + "/_search " + form + " -> " + response.body());
        List<Bundle> pages = followNext(PARSER.parseResource(Bundle.class, response.body()));
        List<String> viaPost = keyList(matches(pages));

        assertFalse(viaGet.isEmpty(), typeAndQuery);
        assertEquals(viaGet, viaPost, "POST _search and GET return the same resources in the same order");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 4. _include

    static Stream<Arguments> includes() {
        Function<Resource, List<String>> subject = r -> List.of(((Basic) r).getSubject().getReference());
        Function<Resource, List<String>> formulary = r -> extensionReferences((Basic) r, FORMULARY_REFERENCE_EXT);
        Function<Resource, List<String>> coverage = r -> formularyCoverage((InsurancePlan) r);
        return Stream.of(
                Arguments.of("Basic?formulary=InsurancePlan/formulary-hospital&_include=Basic:subject&_count=2", subject),
                Arguments.of("Basic?code=" + ITEM_TYPE_CS + "|formulary-item&_include=Basic:formulary&_count=3", formulary),
                Arguments.of("InsurancePlan?_id=payer-plan-hospital&_include=InsurancePlan:formulary-coverage", coverage),
                Arguments.of("InsurancePlan?_include=InsurancePlan:formulary-coverage&_count=1", coverage));
    }

    /**
     * On every page, each target the include names of each match is on that same page (as a match, or as an entry
     * with {@code search.mode=include}), and every include entry is such a target.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("includes")
    void includedTargetsAreOnTheSamePage(String typeAndQuery, Function<Resource, List<String>> targets) throws Exception {
        String type = typeAndQuery.substring(0, typeAndQuery.indexOf('?'));
        List<Bundle> pages = searchAll(type + "?" + query(typeAndQuery.substring(type.length() + 1)));
        int included = 0;
        for (Bundle page : pages) {
            Set<String> matchKeys = keys(entries(page, SearchEntryMode.MATCH));
            Set<String> includeKeys = keys(entries(page, SearchEntryMode.INCLUDE));
            assertEquals(page.getEntry().size(), matchKeys.size() + includeKeys.size(),
                    "every entry is a match or an include, once: " + selfLink(page));
            Set<String> wanted = new HashSet<>();
            for (Resource match : entries(page, SearchEntryMode.MATCH)) {
                wanted.addAll(targets.apply(match));
            }
            for (String target : wanted) {
                assertTrue(matchKeys.contains(target) || includeKeys.contains(target),
                        target + " is on the page of the resources that reference it: " + selfLink(page));
            }
            assertTrue(wanted.containsAll(includeKeys), "only targets are included: " + includeKeys + " vs " + wanted);
            included += includeKeys.size();
            assertConformant(page.getEntry().stream().map(BundleEntryComponent::getResource).toList());
        }
        assertTrue(included > 0, typeAndQuery + " includes something");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 5. Chained search

    @Test
    void chainedSubjectCodeFindsTheTenMilligramBaclofenItemOnly() throws Exception {
        List<Resource> found = matches(searchAll("/Basic?"
                + query("subject:MedicationKnowledge.code=" + TestData.RXNORM + "|197391")));
        assertEquals(List.of("Basic/formulary-item-baclofen-10mg-tablet"), keyList(found));
        MedicationKnowledge subject = (MedicationKnowledge) read(((Basic) found.get(0)).getSubject().getReference());
        assertTrue(hasCoding(List.of(subject.getCode()), TestData.RXNORM, "197391"), "the subject has the code");
        assertConformant(found);
        assertConformant(List.of(subject));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 6 and 7: every returned resource validates against its profile and its references resolve

    /**
     * Each resource (once per version) POSTed to {@code /[type]/$validate} gives no error or fatal issue, and every
     * relative reference {@code Type/id} in it reads 200. Reports every failure at once.
     */
    private static void assertConformant(Collection<? extends Resource> resources) throws Exception {
        List<String> failures = new ArrayList<>();
        for (Resource resource : resources) {
            String versioned = key(resource) + "/_history/" + resource.getMeta().getVersionId();
            if (!VALIDATED.add(versioned)) {
                continue;
            }
            failures.addAll(validationErrors(resource));
            for (Reference reference : SERVER.clientContext().newTerser()
                    .getAllPopulatedChildElementsOfType(resource, Reference.class)) {
                String target = relativeReference(reference.getReference());
                if (target != null && !RESOLVED.contains(target)) {
                    int status = SERVER.get("/" + target).statusCode();
                    if (status == 200) {
                        RESOLVED.add(target);
                    } else {
                        failures.add(key(resource) + ": reference " + reference.getReference() + " -> GET " + status);
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    private static List<String> validationErrors(Resource resource) throws Exception {
        HttpResponse<String> response = SERVER.send(SERVER.request("/" + resource.fhirType() + "/$validate")
                .header("Accept", TestData.FHIR_JSON)
                .header("Content-Type", TestData.FHIR_JSON)
                .POST(BodyPublishers.ofString(PARSER.encodeResourceToString(resource))));
        if (response.statusCode() != 200) {
            return List.of(key(resource) + ": $validate -> " + response.statusCode() + " " + response.body());
        }
        OperationOutcome outcome = PARSER.parseResource(OperationOutcome.class, response.body());
        return outcome.getIssue().stream()
                .filter(i -> i.getSeverity() == IssueSeverity.ERROR || i.getSeverity() == IssueSeverity.FATAL)
                .map(i -> key(resource) + " (" + resource.getMeta().getProfile().stream()
                        .map(p -> p.getValue()).toList() + "): " + i.getSeverity().toCode() + " at "
                        + i.getExpression() + ": " + i.getDiagnostics())
                .toList();
    }

    /** {@code Type/id} of a relative (or this server's absolute) literal reference; null for any other. */
    private static String relativeReference(String reference) {
        if (reference == null) {
            return null;
        }
        String relative = reference.startsWith(SERVER.baseUrl() + "/")
                ? reference.substring(SERVER.baseUrl().length() + 1) : reference;
        return RELATIVE_REFERENCE.matcher(relative).matches() ? relative : null;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // HTTP helpers

    /** The pages of a search, {@code path} relative to the base (a leading "/" is optional), following next links. */
    private static List<Bundle> searchAll(String path) throws Exception {
        String relative = path.startsWith("/") ? path : "/" + path;
        HttpResponse<String> response = SERVER.get(relative);
        assertEquals(200, response.statusCode(), "GET " + relative + " -> " + response.body());
        return followNext(PARSER.parseResource(Bundle.class, response.body()));
    }

    /** {@code first} and the pages its next links lead to, in order. */
    private static List<Bundle> followNext(Bundle first) throws Exception {
        List<Bundle> pages = new ArrayList<>(List.of(first));
        Set<String> seen = new HashSet<>();
        for (Bundle page = first; page.getLink("next") != null; ) {
            String next = page.getLink("next").getUrl();
            assertTrue(seen.add(next), "next links do not loop: " + next);
            assertTrue(seen.size() <= 100, "too many pages");
            HttpResponse<String> response = SERVER.send(HttpRequest.newBuilder(URI.create(next))
                    .header("Accept", TestData.FHIR_JSON).GET());
            assertEquals(200, response.statusCode(), "GET " + next + " -> " + response.body());
            page = PARSER.parseResource(Bundle.class, response.body());
            pages.add(page);
        }
        return pages;
    }

    private static Resource read(String reference) throws Exception {
        HttpResponse<String> response = SERVER.get("/" + reference);
        assertEquals(200, response.statusCode(), "GET " + reference + " -> " + response.body());
        return (Resource) PARSER.parseResource(response.body());
    }

    /** Every resource of {@code type} on the server (paged through, fetched once per class). */
    private static List<Resource> allOf(String type) throws Exception {
        List<Resource> all = ALL_OF_TYPE.get(type);
        if (all == null) {
            all = matches(searchAll("/" + type + "?_count=5"));
            assertNoDuplicates(type, all);
            ALL_OF_TYPE.put(type, all);
        }
        return all;
    }

    /**
     * The readable query {@code a=b&c=d} with each name and value URL-encoded (the values hold {@code |} and
     * {@code :}); a modifier or chain stays part of the name.
     */
    private static String query(String readable) {
        return Arrays.stream(readable.split("&")).map(pair -> {
            int eq = pair.indexOf('=');
            return enc(pair.substring(0, eq)) + "=" + enc(pair.substring(eq + 1));
        }).collect(Collectors.joining("&"));
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Bundle helpers

    private static List<Resource> matches(List<Bundle> pages) {
        return pages.stream().flatMap(p -> entries(p, SearchEntryMode.MATCH).stream()).toList();
    }

    private static List<Resource> entries(Bundle page, SearchEntryMode mode) {
        return page.getEntry().stream().filter(e -> e.getSearch().getMode() == mode)
                .map(BundleEntryComponent::getResource).toList();
    }

    private static String selfLink(Bundle page) {
        return page.getLink("self") == null ? "(no self link)" : page.getLink("self").getUrl();
    }

    private static String key(Resource resource) {
        return resource.fhirType() + "/" + resource.getIdElement().getIdPart();
    }

    private static List<String> keyList(List<Resource> resources) {
        return resources.stream().map(DaVinciFormularyConformanceTest::key).toList();
    }

    private static Set<String> keys(List<Resource> resources) {
        return new HashSet<>(keyList(resources));
    }

    private static Set<String> keysWhere(List<Resource> resources, Predicate<Resource> keep) {
        return keys(resources.stream().filter(keep).toList());
    }

    private static Set<String> idParts(List<Resource> resources) {
        return resources.stream().map(r -> r.getIdElement().getIdPart()).collect(Collectors.toSet());
    }

    private static void assertNoDuplicates(String what, List<Resource> resources) {
        assertEquals(resources.size(), keys(resources).size(), what + " repeats a resource across pages: "
                + keyList(resources));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // What a search parameter means, read from the parsed resource

    /** A search case named {@code Type?query}, matching resources of {@code type} by {@code matches}. */
    private static <T extends Resource> Arguments search(Class<T> type, String query, Predicate<T> matches) {
        Predicate<Resource> typed = r -> type.isInstance(r) && matches.test(type.cast(r));
        return Arguments.of(type.getSimpleName() + "?" + query, typed);
    }

    private static boolean idIs(Resource resource, String id) {
        return id.equals(resource.getIdElement().getIdPart());
    }

    /** Token semantics: a coding with the code, and the system too unless {@code system} is null. */
    private static boolean hasCoding(List<CodeableConcept> concepts, String system, String code) {
        return concepts.stream().flatMap(c -> c.getCoding().stream())
                .anyMatch(c -> code.equals(c.getCode()) && (system == null || system.equals(c.getSystem())));
    }

    private static boolean hasIdentifier(List<Identifier> identifiers, String system, String value) {
        return identifiers.stream()
                .anyMatch(i -> value.equals(i.getValue()) && (system == null || system.equals(i.getSystem())));
    }

    /** String semantics: case- and accent-insensitive prefix. */
    private static boolean startsWith(String value, String prefix) {
        return value != null && normalize(value).startsWith(normalize(prefix));
    }

    private static String normalize(String value) {
        return Normalizer.normalize(value, Normalizer.Form.NFD)
                .replaceAll("\\p{M}", "").toLowerCase(Locale.ROOT);
    }

    /** drug-name: {@code MedicationKnowledge.code.coding.display | MedicationKnowledge.synonym}. */
    private static boolean drugNameStartsWith(MedicationKnowledge mk, String prefix) {
        return Stream.concat(mk.getCode().getCoding().stream().map(c -> c.getDisplay()),
                        mk.getSynonym().stream().map(StringType::getValue))
                .anyMatch(name -> startsWith(name, prefix));
    }

    /** address: any of line, city, district, state, postalCode, country, text starts with the value. */
    private static boolean addressPartStartsWith(Location location, String prefix) {
        var address = location.getAddress();
        Stream<String> parts = Stream.concat(address.getLine().stream().map(StringType::getValue), Stream.of(
                address.getCity(), address.getDistrict(), address.getState(), address.getPostalCode(),
                address.getCountry(), address.getText()));
        return parts.anyMatch(part -> startsWith(part, prefix));
    }

    /**
     * Date {@code ge} (search.html#prefix): the range above the search day intersects the period, or the day fully
     * contains the period. A period's range runs from the start of its start day to the end of its end day.
     */
    private static boolean periodGe(Period period, String day) {
        long[] p = range(period);
        long[] d = dayRange(day);
        return p[1] > d[1] || (p[0] >= d[0] && p[1] <= d[1]);
    }

    /** Date {@code le}: the range below the search day intersects the period, or the day fully contains it. */
    private static boolean periodLe(Period period, String day) {
        long[] p = range(period);
        long[] d = dayRange(day);
        return p[0] < d[0] || (p[0] >= d[0] && p[1] <= d[1]);
    }

    /** {@code [low, high)} in epoch milliseconds of a period of dates; an open side is unbounded. */
    private static long[] range(Period period) {
        assertTrue(period.hasStart() || period.hasEnd(), "a period with a start or an end");
        long low = period.hasStart() ? dayRange(period.getStartElement().getValueAsString())[0] : Long.MIN_VALUE;
        long high = period.hasEnd() ? dayRange(period.getEndElement().getValueAsString())[1] : Long.MAX_VALUE;
        return new long[] {low, high};
    }

    /** {@code [low, high)} in epoch milliseconds of the UTC day {@code yyyy-mm-dd} (the content's dates are days). */
    private static long[] dayRange(String date) {
        LocalDate day = LocalDate.parse(date);
        return new long[] {day.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli(),
                day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli()};
    }

    private static List<String> references(List<Reference> references) {
        return references.stream().map(Reference::getReference).toList();
    }

    /** formulary-coverage: {@code InsurancePlan.coverage.extension(FormularyReference).value}. */
    private static List<String> formularyCoverage(InsurancePlan plan) {
        return plan.getCoverage().stream()
                .flatMap(c -> c.getExtensionsByUrl(FORMULARY_REFERENCE_EXT).stream())
                .map(e -> ((Reference) e.getValue()).getReference()).toList();
    }

    private static List<Extension> extensions(DomainResource resource, String url) {
        return resource.getExtensionsByUrl(url);
    }

    private static List<String> extensionReferences(DomainResource resource, String url) {
        return extensions(resource, url).stream().map(e -> ((Reference) e.getValue()).getReference()).toList();
    }

    private static List<String> extensionCodes(DomainResource resource, String url) {
        return extensions(resource, url).stream().map(e -> e.getValue().primitiveValue()).toList();
    }

    private static List<CodeableConcept> extensionConcepts(DomainResource resource, String url) {
        return extensions(resource, url).stream().map(e -> (CodeableConcept) e.getValue()).toList();
    }

    private static List<Period> extensionPeriods(DomainResource resource) {
        return extensions(resource, AVAILABILITY_PERIOD_EXT).stream().map(e -> (Period) e.getValue()).toList();
    }

    private static void assertSupports(CapabilityStatement cs, String type, List<String> profiles, List<String> includes) {
        CapabilityStatementRestResourceComponent resource = cs.getRestFirstRep().getResource().stream()
                .filter(r -> type.equals(r.getType())).findFirst().orElseThrow();
        Set<String> supported = resource.getSupportedProfile().stream().map(p -> p.getValue()).collect(Collectors.toSet());
        assertTrue(supported.containsAll(profiles), type + " supportedProfile " + supported + " lacks some of " + profiles);
        Set<String> searchIncludes = resource.getSearchInclude().stream().map(s -> s.getValue()).collect(Collectors.toSet());
        assertTrue(searchIncludes.containsAll(includes), type + " searchInclude " + searchIncludes + " lacks " + includes);
    }
}
