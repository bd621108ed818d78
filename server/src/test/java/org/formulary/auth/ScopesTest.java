package org.formulary.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** SMART v1 and v2 system scopes: what each grants, and that nothing else grants anything. */
class ScopesTest {

    private static final Permission CREATE_MEDICATION = new Permission("Medication", Interaction.CREATE);
    private static final Permission UPDATE_MEDICATION = new Permission("Medication", Interaction.UPDATE);
    private static final Permission UPDATE_KNOWLEDGE = new Permission("MedicationKnowledge", Interaction.UPDATE);
    private static final Permission DELETE_EVERYTHING = new Permission(Permission.EVERY_TYPE, Interaction.DELETE);

    @Test
    void v2WildcardScopesGrantTheirLettersOnEveryType() {
        Scopes cud = Scopes.of(List.of("system/*.cud"));
        assertTrue(cud.permit(CREATE_MEDICATION));
        assertTrue(cud.permit(UPDATE_KNOWLEDGE));
        assertTrue(cud.permit(DELETE_EVERYTHING));
        assertFalse(cud.permit(new Permission("Medication", Interaction.READ)));
        assertTrue(Scopes.of(List.of("system/*.cruds")).permit(new Permission("Basic", Interaction.SEARCH)));
    }

    @Test
    void aTypeScopeGrantsOnlyOnItsType() {
        Scopes scopes = Scopes.of(List.of("system/MedicationKnowledge.u"));
        assertTrue(scopes.permit(UPDATE_KNOWLEDGE));
        assertFalse(scopes.permit(new Permission("MedicationKnowledge", Interaction.CREATE)));
        assertFalse(scopes.permit(UPDATE_MEDICATION));
        assertFalse(scopes.permit(new Permission(Permission.EVERY_TYPE, Interaction.UPDATE)),
                "a type scope does not cover every type");
    }

    @Test
    void v1ScopesGrantReadOrWrite() {
        Scopes write = Scopes.of(List.of("system/*.write"));
        assertTrue(write.permit(CREATE_MEDICATION));
        assertTrue(write.permit(DELETE_EVERYTHING));
        assertFalse(write.permit(new Permission("Medication", Interaction.READ)));
        Scopes read = Scopes.of(List.of("system/Medication.read"));
        assertTrue(read.permit(new Permission("Medication", Interaction.SEARCH)));
        assertFalse(read.permit(CREATE_MEDICATION));
        assertTrue(Scopes.of(List.of("system/*.*")).permit(UPDATE_KNOWLEDGE));
        assertTrue(Scopes.of(List.of("system/Medication.*")).permit(UPDATE_MEDICATION));
    }

    @Test
    void otherScopesGrantNothing() {
        for (String scope : List.of("patient/*.cud", "user/*.write", "system/*.dc", "system/*.cudx", "system/*.",
                "system/Medication.u?code=1", "openid", "system/*.writes", "", "system/Medication")) {
            Scopes scopes = Scopes.of(List.of(scope));
            assertFalse(scopes.permit(UPDATE_MEDICATION), scope);
            assertFalse(scopes.permit(CREATE_MEDICATION), scope);
            assertFalse(scopes.permit(DELETE_EVERYTHING), scope);
        }
    }
}
