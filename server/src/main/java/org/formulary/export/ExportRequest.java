package org.formulary.export;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a kick-off request asks for, checked and resolved. Immutable, thread-safe.
 *
 * @param requestUrl the kick-off URL (with its query for GET), the manifest's {@code request}
 * @param baseUrl the FHIR base the request came to; absolute references under it are local
 * @param types the resource types to write, in order: {@code _type}, else every type in scope
 * @param since only resources changed after this instant ({@code _since})
 * @param focus for an instance-level export, the resource whose references are followed
 * @param notes parameters ignored under {@code Prefer: handling=lenient}, one message each, for {@code error[]}
 */
public record ExportRequest(
        String requestUrl,
        String baseUrl,
        List<String> types,
        Optional<Instant> since,
        Optional<ResourceId> focus,
        List<String> notes) {

    public ExportRequest {
        types = List.copyOf(types);
        notes = List.copyOf(notes);
    }
}
