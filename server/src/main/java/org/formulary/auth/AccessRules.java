package org.formulary.auth;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Parameters;

/**
 * Which permissions a request needs, from what HAPI knows once it has chosen the method (the operation type, the
 * resource type, the parsed body):
 * <ul>
 *   <li>reads, searches, history, {@code /metadata}, {@code $validate}, {@code $compare} and {@code $apply} are
 *       public;</li>
 *   <li>create needs {@code c}, update and patch {@code u} (an update that creates the resource too), delete
 *       {@code d}, on the resource's type;</li>
 *   <li>a transaction or batch needs, for each entry, the permission of its method on its type (GET entries are
 *       public reads); an entry whose type or method cannot be told needs {@code c}, {@code u} and {@code d} on
 *       every type;</li>
 *   <li>Bulk Data {@code $export} is public, or when private needs {@code r} and {@code s} on the exported types
 *       (those in {@code _type}, else the kick-off's type, else every type); its status needs a valid token and a
 *       file download {@code r} on the file's type;</li>
 *   <li>any other request (another operation, tags, meta changes) counts as a write: {@code c}, {@code u} and
 *       {@code d} on its type, or on every type at system level.</li>
 * </ul>
 * Immutable and thread-safe.
 */
public final class AccessRules {

    private static final Set<String> PUBLIC_OPERATIONS = Set.of("$validate", "$compare", "$apply");
    private static final Set<String> EXPORT_OPERATIONS = Set.of("$export", "$export-poll-status", "$export-download");
    private static final Set<RestOperationTypeEnum> PUBLIC_TYPES = Set.of(
            RestOperationTypeEnum.READ, RestOperationTypeEnum.VREAD, RestOperationTypeEnum.SEARCH_TYPE,
            RestOperationTypeEnum.SEARCH_SYSTEM, RestOperationTypeEnum.HISTORY_INSTANCE,
            RestOperationTypeEnum.HISTORY_TYPE, RestOperationTypeEnum.HISTORY_SYSTEM, RestOperationTypeEnum.METADATA,
            RestOperationTypeEnum.META, RestOperationTypeEnum.GET_TAGS, RestOperationTypeEnum.GET_PAGE,
            RestOperationTypeEnum.VALIDATE);
    private static final List<Interaction> WRITE = List.of(Interaction.CREATE, Interaction.UPDATE, Interaction.DELETE);

    private final boolean privateExport;

    /** Rules with Bulk Data export public, or private when {@code privateExport}. */
    public AccessRules(boolean privateExport) {
        this.privateExport = privateExport;
    }

    /** What {@code request}, a {@code operation}, needs. */
    public RequiredAccess of(RequestDetails request, RestOperationTypeEnum operation) {
        if (PUBLIC_TYPES.contains(operation)) {
            return RequiredAccess.PUBLIC;
        }
        String type = typeOf(request);
        switch (operation) {
            case CREATE:
                return RequiredAccess.token(List.of(new Permission(type, Interaction.CREATE)));
            case UPDATE:
            case PATCH:
                return RequiredAccess.token(List.of(new Permission(type, Interaction.UPDATE)));
            case DELETE:
                return RequiredAccess.token(List.of(new Permission(type, Interaction.DELETE)));
            case TRANSACTION:
            case BATCH:
                return RequiredAccess.token(bundleEntries(request));
            case EXTENDED_OPERATION_SERVER:
            case EXTENDED_OPERATION_TYPE:
            case EXTENDED_OPERATION_INSTANCE:
                return operation(request, type);
            default:
                return RequiredAccess.token(permissions(type, WRITE));
        }
    }

    private RequiredAccess operation(RequestDetails request, String type) {
        String name = request.getOperation();
        if (PUBLIC_OPERATIONS.contains(name) || EXPORT_OPERATIONS.contains(name) && !privateExport) {
            return RequiredAccess.PUBLIC;
        }
        if ("$export".equals(name)) {
            List<Permission> needed = new ArrayList<>();
            for (String exported : exportedTypes(request)) {
                needed.addAll(permissions(exported, List.of(Interaction.READ, Interaction.SEARCH)));
            }
            return RequiredAccess.token(needed);
        }
        if ("$export-download".equals(name)) {
            return RequiredAccess.token(downloadedType(request));
        }
        if ("$export-poll-status".equals(name)) {
            return RequiredAccess.token(List.of());
        }
        return RequiredAccess.token(permissions(type, WRITE));
    }

    /** The types in {@code _type} (query or Parameters body), else the kick-off's type, else every type. */
    private static Set<String> exportedTypes(RequestDetails request) {
        Set<String> types = new LinkedHashSet<>();
        String[] query = request.getParameters().get("_type");
        if (query != null) {
            for (String value : query) {
                addAll(types, value);
            }
        }
        if (request.getResource() instanceof Parameters body) {
            for (Parameters.ParametersParameterComponent p : body.getParameter()) {
                if ("_type".equals(p.getName()) && p.hasValue()) {
                    addAll(types, p.getValue().primitiveValue());
                }
            }
        }
        if (types.isEmpty()) {
            boolean typeLevel = request.getResourceName() != null && request.getId() == null;
            types.add(typeLevel ? request.getResourceName() : Permission.EVERY_TYPE);
        }
        return types;
    }

    private static void addAll(Set<String> types, String commaList) {
        if (commaList == null) {
            return;
        }
        for (String type : commaList.split(",")) {
            if (!type.isBlank()) {
                types.add(type.trim());
            }
        }
    }

    /** {@code r} on the type a file such as {@code Medication.ndjson} holds; none for the job's error files. */
    private static List<Permission> downloadedType(RequestDetails request) {
        String[] file = request.getParameters().get("_file");
        if (file == null || file.length == 0 || file[0].isEmpty() || !Character.isUpperCase(file[0].charAt(0))) {
            return List.of();
        }
        int dot = file[0].indexOf('.');
        return List.of(new Permission(dot < 0 ? file[0] : file[0].substring(0, dot), Interaction.READ));
    }

    private static List<Permission> bundleEntries(RequestDetails request) {
        if (!(request.getResource() instanceof Bundle bundle)) {
            return permissions(Permission.EVERY_TYPE, WRITE);
        }
        Set<Permission> needed = new LinkedHashSet<>();
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            needed.addAll(entryPermissions(entry.getRequest(), request.getFhirServerBase()));
        }
        return new ArrayList<>(needed);
    }

    private static List<Permission> entryPermissions(Bundle.BundleEntryRequestComponent entry, String base) {
        String type = entryType(entry.getUrl(), base);
        Bundle.HTTPVerb method = entry.getMethod();
        if (method == Bundle.HTTPVerb.GET || method == Bundle.HTTPVerb.HEAD) {
            return List.of();
        }
        if (type == null || method == null || method == Bundle.HTTPVerb.NULL) {
            return permissions(Permission.EVERY_TYPE, WRITE);
        }
        switch (method) {
            case POST:
                return List.of(new Permission(type, Interaction.CREATE));
            case PUT:
            case PATCH:
                return List.of(new Permission(type, Interaction.UPDATE));
            case DELETE:
                return List.of(new Permission(type, Interaction.DELETE));
            default:
                return permissions(Permission.EVERY_TYPE, WRITE);
        }
    }

    /** The resource type an entry's request URL names ({@code Medication/1}, {@code [base]/Medication?code=x}). */
    private static String entryType(String url, String base) {
        if (url == null) {
            return null;
        }
        String path = base != null && url.startsWith(base + "/") ? url.substring(base.length() + 1) : url;
        int end = 0;
        while (end < path.length() && Character.isLetter(path.charAt(end))) {
            end++;
        }
        boolean complete = end == path.length() || path.charAt(end) == '/' || path.charAt(end) == '?';
        return end > 0 && complete && Character.isUpperCase(path.charAt(0)) ? path.substring(0, end) : null;
    }

    private static String typeOf(RequestDetails request) {
        String type = request.getResourceName();
        return type == null || type.isEmpty() ? Permission.EVERY_TYPE : type;
    }

    private static List<Permission> permissions(String type, List<Interaction> interactions) {
        List<Permission> result = new ArrayList<>();
        for (Interaction interaction : interactions) {
            result.add(new Permission(type, interaction));
        }
        return result;
    }
}
