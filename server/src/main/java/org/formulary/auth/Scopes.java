package org.formulary.auth;

import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a token's SMART system scopes grant. Accepted forms: v2 {@code system/[Type|*].[cruds]} (letters in that
 * order, any non-empty subset: {@code system/*.cud}, {@code system/MedicationKnowledge.u}) and v1
 * {@code system/[Type|*].[read|write|*]} ({@code read} = r+s, {@code write} = c+u+d, {@code *} = all). A scope
 * for one type grants nothing on other types. Patient and user scopes, v2 scopes narrowed by a search
 * ({@code system/Medication.rs?code=...}: this server cannot enforce the narrowing) and anything unparseable grant
 * nothing. Immutable and thread-safe.
 */
public final class Scopes {

    private static final Pattern SYSTEM_SCOPE = Pattern.compile("system/([A-Za-z]+|\\*)\\.([a-z*]+)");
    private static final Pattern V2_PERMISSIONS = Pattern.compile("c?r?u?d?s?");

    private final Map<String, Set<Interaction>> granted;

    private Scopes(Map<String, Set<Interaction>> granted) {
        this.granted = granted;
    }

    /** The grants of {@code scopes} (each one scope, e.g. {@code system/*.cud}). */
    public static Scopes of(Collection<String> scopes) {
        Map<String, Set<Interaction>> granted = new HashMap<>();
        for (String scope : scopes) {
            Matcher m = SYSTEM_SCOPE.matcher(scope);
            if (m.matches()) {
                granted.computeIfAbsent(m.group(1), t -> EnumSet.noneOf(Interaction.class))
                        .addAll(interactions(m.group(2)));
            }
        }
        return new Scopes(granted);
    }

    /** Whether these scopes grant {@code permission}; a permission on every type needs a {@code *} scope. */
    public boolean permit(Permission permission) {
        return grants(Permission.EVERY_TYPE, permission.interaction())
                || grants(permission.type(), permission.interaction());
    }

    private boolean grants(String type, Interaction interaction) {
        return granted.getOrDefault(type, Set.of()).contains(interaction);
    }

    private static Set<Interaction> interactions(String permissions) {
        switch (permissions) {
            case "read":
                return EnumSet.of(Interaction.READ, Interaction.SEARCH);
            case "write":
                return EnumSet.of(Interaction.CREATE, Interaction.UPDATE, Interaction.DELETE);
            case "*":
                return EnumSet.allOf(Interaction.class);
            default:
                return v2(permissions);
        }
    }

    private static Set<Interaction> v2(String letters) {
        Set<Interaction> result = EnumSet.noneOf(Interaction.class);
        if (!V2_PERMISSIONS.matcher(letters).matches()) {
            return result;
        }
        for (Interaction interaction : Interaction.values()) {
            if (letters.indexOf(interaction.letter()) >= 0) {
                result.add(interaction);
            }
        }
        return result;
    }
}
