package org.formulary.search;

import java.util.Optional;

/**
 * One {@code _include} or {@code _revinclude} of a search.
 *
 * @param reverse {@code true} for {@code _revinclude}: resources of {@code sourceType} that point at the results
 * @param sourceType the type whose reference parameter is followed
 * @param param the reference search parameter
 * @param targetType only references to this type, if given ({@code Basic:subject:MedicationKnowledge})
 * @param iterate whether it also applies to included resources, repeatedly ({@code :iterate})
 */
public record Include(boolean reverse, String sourceType, String param, Optional<String> targetType, boolean iterate) {}
