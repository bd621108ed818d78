package org.formulary.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The validator reuses the core library's instance validators (see {@link PooledInstanceValidator}): a validation
 * must give the same messages however many validations, valid or not, ran before it on the same instance or at the
 * same time on others. Runs the real validation chain over the real conformance package.
 */
class ProfileValidatorTest {

    private static final FhirContext CTX = FhirContext.forR4Cached();
    private static final String VALID = "{\"resourceType\":\"Medication\",\"id\":\"ok\",\"status\":\"active\","
            + "\"code\":{\"text\":\"baclofen 10 mg oral tablet\"}}";
    private static final String INVALID = "{\"resourceType\":\"Medication\",\"id\":\"bad\",\"status\":\"active\","
            + "\"ingredient\":[{\"isActive\":true}],"
            + "\"extension\":[{\"url\":\"http://example.org/not-a-known-extension\",\"valueString\":\"x\"}],"
            + "\"meta\":{\"profile\":[\"http://example.org/StructureDefinition/no-such-profile\"]}}";

    private static ProfileValidator validator;

    @BeforeAll
    static void buildOnce() {
        ConformancePackage conformance = ConformancePackage.load(CTX, Optional.empty());
        validator = new ProfileValidator(CTX, ValidationChain.build(CTX, conformance));
    }

    @Test
    void aValidationGivesTheSameMessagesAfterOthersRanOnTheSameInstance() {
        List<String> invalidFirst = messages(INVALID);
        List<String> validFirst = messages(VALID);
        for (int i = 0; i < 5; i++) {
            assertEquals(invalidFirst, messages(INVALID));
            assertEquals(validFirst, messages(VALID));
        }
        assertTrue(invalidFirst.stream().anyMatch(m -> m.startsWith("ERROR") && m.contains("no-such-profile")),
                () -> "the unknown profile is an error: " + invalidFirst);
        assertTrue(invalidFirst.stream().anyMatch(m -> m.startsWith("ERROR") && m.contains("ingredient")),
                () -> "the ingredient without an item is an error: " + invalidFirst);
        assertFalse(validFirst.stream().anyMatch(m -> m.startsWith("ERROR") || m.startsWith("FATAL")),
                () -> "nothing of the invalid resource leaks into the valid one: " + validFirst);
    }

    @Test
    void concurrentValidationsGiveTheSameMessagesAsOneAtATime() throws Exception {
        List<String> invalid = messages(INVALID);
        List<String> valid = messages(VALID);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                boolean odd = i % 2 == 1;
                results.add(pool.submit(() -> messages(odd ? INVALID : VALID).equals(odd ? invalid : valid)));
            }
            for (Future<Boolean> result : results) {
                assertTrue(result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<String> messages(String json) {
        IBaseResource resource = CTX.newJsonParser().parseResource(json);
        ValidationResult result = validator.validate(resource, List.of());
        return result.getMessages().stream()
                .map(m -> m.getSeverity() + " " + m.getLocationString() + " " + m.getMessage())
                .sorted()
                .collect(Collectors.toList());
    }
}
