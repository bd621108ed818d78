package org.formulary.store.jdbc;

import ca.uhn.fhir.context.FhirContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * SHA-256 of a resource's JSON without {@code meta.versionId} and {@code meta.lastUpdated}, so that storing the same
 * content again is recognised as no change. Stateless.
 */
final class ContentHash {

    private ContentHash() {}

    static String of(FhirContext ctx, IBaseResource resource) {
        var meta = resource.getMeta();
        String versionId = meta.getVersionId();
        var lastUpdated = meta.getLastUpdated();
        var id = resource.getIdElement();
        meta.setVersionId(null);
        meta.setLastUpdated(null);
        resource.setId(id.toVersionless());
        try {
            String json = ctx.newJsonParser().encodeResourceToString(resource);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(json.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        } finally {
            meta.setVersionId(versionId);
            meta.setLastUpdated(lastUpdated);
            resource.setId(id);
        }
    }}
