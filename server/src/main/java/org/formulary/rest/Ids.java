package org.formulary.rest;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.formulary.store.VersionConflictException;
import org.hl7.fhir.r4.model.IdType;

/** Checks on ids and versions from request URLs and headers. Stateless. */
final class Ids {

    /** FHIR R4 id: 1-64 of letters, digits, '-' and '.'. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

    private static final Pattern WRAPPED_PRIMITIVE = Pattern.compile("[A-Za-z]+Type\\[(.*)]");

    private Ids() {}

    static void requireValid(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new InvalidRequestException("Invalid resource id '" + id
                    + "': an id is 1 to 64 letters, digits, '-' or '.'");
        }
    }

    static long version(IdType id) {
        try {
            return Long.parseLong(id.getVersionIdPart());
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("Invalid version '" + id.getVersionIdPart()
                    + "': versions on this server are whole numbers");
        }
    }

    /** The version an {@code If-Match} header ({@code W/"3"}, {@code "3"} or {@code 3}) asks for, or null. */
    static Long ifMatchVersion(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.trim();
        if (value.startsWith("W/")) {
            value = value.substring(2);
        }
        value = value.replace("\"", "");
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("Invalid If-Match header '" + header + "': expected W/\"[version]\"");
        }
    }

    /**
     * The URL of a {@code $validate} profile parameter. HAPI 8.8.1 hands a {@code valueUri}/{@code valueCanonical}
     * part over as its {@code toString()} ({@code UriType[http://...]}); this takes the URL back out.
     */
    static String profileUrl(String parameter) {
        if (parameter == null) {
            return null;
        }
        Matcher wrapped = WRAPPED_PRIMITIVE.matcher(parameter.trim());
        return wrapped.matches() ? wrapped.group(1) : parameter.trim();
    }

    /** Runs a conditional write, answering 412 Precondition Failed when its expected version is stale. */
    static <T> T onConflict(Supplier<T> write) {
        try {
            return write.get();
        } catch (VersionConflictException e) {
            throw new PreconditionFailedException(e.getMessage());
        }
    }
}
