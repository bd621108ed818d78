import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Basic;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationKnowledge;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Ratio;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Benchmark data for {@code server/bench/run}; not shipped. Run with the JDK's single-file source launcher and the
 * server jar on the class path:
 *
 * <pre>
 * java -cp server/target/formulary-server.jar server/bench/BenchData.java conformance SRC DST
 * java -cp server/target/formulary-server.jar server/bench/BenchData.java load BASE_URL COUNT THREADS
 * java -cp server/target/formulary-server.jar server/bench/BenchData.java medication FILE
 * java -cp server/target/formulary-server.jar server/bench/BenchData.java requests COUNT DIR
 * </pre>
 *
 * <p>{@code medication} writes one generated Medication without an id (the body of the create scenario).
 * {@code requests} writes the request lists of the read and search scenarios for {@code COUNT} loaded drugs
 * ({@code requests.lua} format: a path, optionally a TAB and an {@code If-None-Match} value), 1,000 drugs spread
 * over all of them. {@code load} PUTs {@code COUNT} generated drugs (a Medication, a MedicationKnowledge and a Da Vinci
 * FormularyItem each) through the server's validating write path, in transaction Bundles of
 * {@value #DRUGS_PER_TRANSACTION} drugs, on {@code THREADS} connections. Every drug is coded
 * in the benchmark-only CodeSystem {@value #SYSTEM} (never a real RxNorm, ATC or SNOMED code for a made-up drug);
 * its name combines a real generic name with a strength and a dose form ("Metoprolol 50 MG Oral Tablet").
 *
 * <p>{@code conformance} copies the conformance package to {@code DST}, where the profiles' RxNorm, ATC and
 * mechanism-class constraints also accept a coding of the benchmark CodeSystem. Those constraints exist so that a
 * real product carries real codes; benchmark drugs have none, and only the benchmark's own server runs with that copy.
 */
public final class BenchData {

    static final String SYSTEM = "http://example.org/fhir/formulary/CodeSystem/benchmark-drug";
    private static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
    private static final String ATC = "http://www.whocc.no/atc";
    private static final String MECHANISM = "http://example.org/fhir/formulary/CodeSystem/mechanism-class";
    private static final String USDF = "http://hl7.org/fhir/us/davinci-drug-formulary/";
    private static final Logger LOG = LoggerFactory.getLogger("org.formulary.bench.BenchData");
    /** Drugs (three resources each) per transaction Bundle of {@code load}. */
    private static final int DRUGS_PER_TRANSACTION = 50;

    /** Real generic drug names, as text only: every code of a generated drug is a benchmark code. */
    private static final String[] NAMES = {
        "Acetaminophen", "Acyclovir", "Albuterol", "Alendronate", "Allopurinol", "Alprazolam", "Amiodarone",
        "Amitriptyline", "Amlodipine", "Amoxicillin", "Anastrozole", "Apixaban", "Aripiprazole", "Atenolol",
        "Atorvastatin", "Azithromycin", "Benazepril", "Bisoprolol", "Bupropion", "Buspirone", "Candesartan",
        "Carbamazepine", "Carvedilol", "Cefalexin", "Cefuroxime", "Celecoxib", "Cetirizine", "Ciprofloxacin",
        "Citalopram", "Clarithromycin", "Clonazepam", "Clonidine", "Clopidogrel", "Cyclobenzaprine", "Dapagliflozin",
        "Desvenlafaxine", "Diclofenac", "Digoxin", "Diltiazem", "Donepezil", "Doxazosin", "Doxycycline",
        "Duloxetine", "Empagliflozin", "Enalapril", "Escitalopram", "Esomeprazole", "Ezetimibe", "Famotidine",
        "Fenofibrate", "Finasteride", "Fluconazole", "Fluoxetine", "Furosemide", "Gabapentin", "Glimepiride",
        "Glipizide", "Haloperidol", "Hydralazine", "Hydrochlorothiazide", "Hydroxychloroquine", "Hydroxyzine",
        "Ibuprofen", "Irbesartan", "Isosorbide Mononitrate", "Lamotrigine", "Lansoprazole", "Letrozole",
        "Levetiracetam", "Levofloxacin", "Levothyroxine", "Linagliptin", "Lisinopril", "Lithium Carbonate",
        "Loratadine", "Lorazepam", "Losartan", "Meloxicam", "Memantine", "Metformin", "Methocarbamol",
        "Methotrexate", "Methylphenidate", "Metoclopramide", "Metoprolol Succinate", "Metoprolol Tartrate",
        "Metronidazole", "Mirtazapine", "Montelukast", "Naproxen", "Nebivolol", "Nifedipine", "Nitrofurantoin",
        "Olanzapine", "Olmesartan", "Omeprazole", "Ondansetron", "Oxcarbazepine", "Pantoprazole", "Paroxetine",
        "Pioglitazone", "Pravastatin", "Prednisone", "Pregabalin", "Primidone", "Propranolol", "Quetiapine",
        "Ramipril", "Ranolazine", "Risperidone", "Rivaroxaban", "Ropinirole", "Rosuvastatin", "Sertraline",
        "Sildenafil", "Simvastatin", "Sitagliptin", "Spironolactone", "Sumatriptan", "Tamsulosin", "Telmisartan",
        "Terbinafine", "Topiramate", "Tramadol", "Trazodone", "Valacyclovir", "Valsartan", "Venlafaxine",
        "Verapamil", "Warfarin", "Zolpidem"
    };
    private static final int[] STRENGTHS_MG = {1, 2, 2, 5, 10, 15, 20, 25, 30, 40, 50, 75, 80, 100, 125, 150, 200,
        250, 300, 400, 500, 600, 750, 800, 1000};
    /** Dose forms: the name's words, the verified SNOMED CT dose form, its display, the UCUM unit of one dose. */
    private static final String[][] FORMS = {
        {"Oral Tablet", "421026006", "Oral tablet", "{tablet}", "tablet"},
        {"Oral Capsule", "420692007", "Oral capsule", "{capsule}", "capsule"},
        {"Extended Release Oral Tablet", "421026006", "Oral tablet", "{tablet}", "tablet"},
        {"Delayed Release Oral Capsule", "420692007", "Oral capsule", "{capsule}", "capsule"},
        {"Oral Solution", "385023001", "Oral solution", "mL", "mL"},
        {"Oral Suspension", "385024007", "Oral suspension", "mL", "mL"},
        {"Injectable Solution", "385219001", "Injection solution", "mL", "mL"},
        {"Tablet", "385055001", "Tablet", "{tablet}", "tablet"}
    };
    private static final String[] TIERS = {"generic", "preferred-generic", "non-preferred-generic", "brand",
        "preferred-brand", "non-preferred-brand", "specialty"};

    private BenchData() {}

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "" : args[0];
        if (command.equals("conformance") && args.length == 3) {
            conformance(Path.of(args[1]), Path.of(args[2]));
        } else if (command.equals("load") && args.length == 4) {
            load(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        } else if (command.equals("requests") && args.length == 3) {
            requests(Integer.parseInt(args[1]), Path.of(args[2]));
        } else if (command.equals("medication") && args.length == 2) {
            Medication medication = medication(0);
            medication.setId((String) null);
            Files.writeString(Path.of(args[1]),
                    FhirContext.forR4Cached().newJsonParser().encodeResourceToString(medication));
        } else {
            throw new IllegalArgumentException(
                    "usage: conformance SRC DST | load BASE_URL COUNT THREADS | medication FILE | requests COUNT DIR");
        }
    }

    /** The id of generated drug {@code i}'s resources, e.g. {@code bench-000123}. */
    static String id(int i) {
        return String.format("bench-%06d", i);
    }

    /** Drug {@code i}'s benchmark code, e.g. {@code B000123}. */
    static String code(int i) {
        return String.format("B%06d", i);
    }

    static String name(int i) {
        String[] form = FORMS[(i / NAMES.length) % FORMS.length];
        int strength = STRENGTHS_MG[(i / (NAMES.length * FORMS.length)) % STRENGTHS_MG.length];
        String per = form[3].equals("mL") ? "/ML " : " ";
        return NAMES[i % NAMES.length] + " " + strength + " MG" + per + form[0];
    }

    private static void conformance(Path src, Path dst) throws IOException {
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(src)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                if (file.getFileName().toString().startsWith("StructureDefinition-formulary-medication")) {
                    for (String system : List.of(RXNORM, ATC, MECHANISM)) {
                        text = text.replace("system='" + system + "'",
                                "(system='" + system + "' or system='" + SYSTEM + "')");
                    }
                }
                Files.writeString(dst.resolve(file.getFileName()), text, StandardCharsets.UTF_8);
            }
        }
    }

    private static void requests(int count, Path dir) throws IOException {
        List<String> read = new ArrayList<>();
        List<String> conditional = new ArrayList<>();
        List<String> vread = new ArrayList<>();
        List<String> token = new ArrayList<>();
        List<String> name = new ArrayList<>();
        for (int k = 0; k < Math.min(1000, count); k++) {
            int i = (int) ((k * 7919L) % count);
            read.add("/fhir/Medication/" + id(i));
            conditional.add("/fhir/Medication/" + id(i) + "\tW/\"1\"");
            vread.add("/fhir/Medication/" + id(i) + "/_history/1");
            token.add("/fhir/Medication?code=" + SYSTEM + "%7C" + code(i));
            String word = name(i).toLowerCase().split(" ")[0];
            name.add("/fhir/MedicationKnowledge?drug-name=" + word.substring(0, Math.min(5, word.length())));
        }
        Files.createDirectories(dir);
        Files.write(dir.resolve("read.fhir"), read);
        Files.write(dir.resolve("conditional.fhir"), conditional);
        Files.write(dir.resolve("vread.fhir"), vread);
        Files.write(dir.resolve("token.fhir"), token);
        Files.write(dir.resolve("name.fhir"), name);
    }

    private static void load(String base, int count, int threads) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        IParser json = FhirContext.forR4Cached().newJsonParser();
        AtomicInteger next = new AtomicInteger();
        AtomicLong written = new AtomicLong();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Void>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(pool.submit(() -> {
                for (int first = next.getAndAdd(DRUGS_PER_TRANSACTION); first < count;
                        first = next.getAndAdd(DRUGS_PER_TRANSACTION)) {
                    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
                    for (int i = first; i < Math.min(count, first + DRUGS_PER_TRANSACTION); i++) {
                        for (Resource resource : List.of(medication(i), knowledge(i), formularyItem(i))) {
                            String path = resource.fhirType() + "/" + resource.getIdElement().getIdPart();
                            transaction.addEntry().setFullUrl(base + "/" + path).setResource(resource)
                                    .getRequest().setMethod(Bundle.HTTPVerb.PUT).setUrl(path);
                        }
                    }
                    post(http, json, base, transaction);
                    int drugs = transaction.getEntry().size() / 3;
                    long loaded = written.addAndGet(3L * drugs) / 3;
                    if (loaded / 10_000 != (loaded - drugs) / 10_000) {
                        LOG.info("LOAD progress drugs={} seconds={}", loaded, (System.nanoTime() - start) / 1e9);
                    }
                }
                return null;
            }));
        }
        pool.shutdown();
        for (Future<Void> worker : workers) {
            worker.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        LOG.info(String.format("LOAD resources=%d seconds=%.1f rate=%.1f", written.get(), seconds,
                written.get() / seconds));
    }

    /** POSTs {@code transaction} to {@code base}; fails unless it and every entry succeeded. */
    private static void post(HttpClient http, IParser json, String base, Bundle transaction)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base))
                .header("Content-Type", "application/fhir+json")
                .header("Prefer", "return=minimal")
                .POST(HttpRequest.BodyPublishers.ofString(json.encodeResourceToString(transaction)))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("transaction answered " + response.statusCode() + ": " + response.body());
        }
        Bundle answer = json.parseResource(Bundle.class, response.body());
        for (Bundle.BundleEntryComponent entry : answer.getEntry()) {
            if (!entry.getResponse().getStatus().startsWith("20")) {
                throw new IllegalStateException("transaction entry answered " + entry.getResponse().getStatus());
            }
        }
    }

    private static CodeableConcept drugCode(int i) {
        return new CodeableConcept(new Coding(SYSTEM, code(i), name(i))).setText(name(i));
    }

    private static CodeableConcept doseForm(int i) {
        String[] form = FORMS[(i / NAMES.length) % FORMS.length];
        return new CodeableConcept(new Coding("http://snomed.info/sct", form[1], form[2])).setText(form[2]);
    }

    private static CodeableConcept ingredient(int i) {
        int stem = i % NAMES.length;
        return new CodeableConcept(new Coding(SYSTEM, String.format("I%03d", stem), NAMES[stem].toLowerCase()))
                .setText(NAMES[stem].toLowerCase());
    }

    private static Medication medication(int i) {
        String[] form = FORMS[(i / NAMES.length) % FORMS.length];
        int strength = STRENGTHS_MG[(i / (NAMES.length * FORMS.length)) % STRENGTHS_MG.length];
        Medication medication = new Medication();
        medication.setId(id(i));
        medication.getMeta().addProfile("http://example.org/fhir/formulary/StructureDefinition/formulary-medication");
        medication.setCode(drugCode(i));
        medication.setStatus(Medication.MedicationStatus.ACTIVE);
        medication.setForm(doseForm(i));
        medication.addIngredient()
                .setItem(ingredient(i))
                .setIsActive(true)
                .setStrength(new Ratio()
                        .setNumerator(new Quantity().setValue(strength).setUnit("mg")
                                .setSystem("http://unitsofmeasure.org").setCode("mg"))
                        .setDenominator(new Quantity().setValue(1).setUnit(form[4])
                                .setSystem("http://unitsofmeasure.org").setCode(form[3])));
        return medication;
    }

    private static MedicationKnowledge knowledge(int i) {
        MedicationKnowledge knowledge = new MedicationKnowledge();
        knowledge.setId(id(i));
        knowledge.getMeta().addProfile(
                "http://example.org/fhir/formulary/StructureDefinition/formulary-medicationknowledge");
        knowledge.setCode(drugCode(i));
        knowledge.setStatus(MedicationKnowledge.MedicationKnowledgeStatus.ACTIVE);
        knowledge.setDoseForm(doseForm(i));
        knowledge.addAssociatedMedication(new Reference("Medication/" + id(i)));
        knowledge.addSynonym(name(i).toLowerCase());
        knowledge.addIngredient().setItem(ingredient(i)).setIsActive(true);
        knowledge.addMedicineClassification()
                .setType(new CodeableConcept().setText("benchmark class"))
                .addClassification(new CodeableConcept(new Coding(SYSTEM, String.format("K%02d", i % 40),
                        "Benchmark class " + (i % 40))));
        return knowledge;
    }

    private static Basic formularyItem(int i) {
        Basic item = new Basic();
        item.setId(id(i));
        item.getMeta().addProfile(USDF + "StructureDefinition/usdf-FormularyItem");
        item.addExtension(USDF + "StructureDefinition/usdf-FormularyReference-extension",
                new Reference("InsurancePlan/formulary-hospital"));
        item.addExtension(USDF + "StructureDefinition/usdf-AvailabilityStatus-extension", new CodeType("active"));
        item.addExtension(USDF + "StructureDefinition/usdf-AvailabilityPeriod-extension",
                new Period().setStartElement(new DateTimeType("2026-07-01"))
                        .setEndElement(new DateTimeType("2027-06-30")));
        item.addExtension(USDF + "StructureDefinition/usdf-PharmacyBenefitType-extension",
                new CodeableConcept(new Coding(USDF + "CodeSystem/usdf-PharmacyBenefitTypeCS-TEMPORARY-TRIAL-USE",
                        "1-month-in-retail", "1 month in network retail")));
        String tier = TIERS[i % TIERS.length];
        item.addExtension(USDF + "StructureDefinition/usdf-DrugTierID-extension",
                new CodeableConcept(new Coding(USDF + "CodeSystem/usdf-DrugTierCS-TEMPORARY-TRIAL-USE", tier, null)));
        item.addExtension(USDF + "StructureDefinition/usdf-PriorAuthorization-extension", new BooleanType(i % 5 == 0));
        item.addExtension(USDF + "StructureDefinition/usdf-StepTherapyLimit-extension", new BooleanType(i % 7 == 0));
        item.addExtension(USDF + "StructureDefinition/usdf-QuantityLimit-extension", new BooleanType(false));
        item.setCode(new CodeableConcept(new Coding(USDF + "CodeSystem/usdf-InsuranceItemTypeCS", "formulary-item",
                "Formulary Item")));
        item.setSubject(new Reference("MedicationKnowledge/" + id(i)));
        return item;
    }
}
