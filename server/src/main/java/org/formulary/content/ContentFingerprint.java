package org.formulary.content;

import ca.uhn.fhir.util.VersionUtil;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * SHA-256 over everything a content load's validation depends on: this server's version, HAPI's version, every
 * file of the conformance package and every content file (names and text, in their stable order). Two loads with
 * the same fingerprint validate the same resources against the same profiles with the same validator. Stateless.
 */
final class ContentFingerprint {

    private ContentFingerprint() {}

    static String of(List<ResourceFolder.Entry> conformance, List<ResourceFolder.Entry> content) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        String serverVersion = ContentFingerprint.class.getPackage().getImplementationVersion();
        add(digest, "server " + (serverVersion == null ? "development" : serverVersion));
        add(digest, "hapi " + VersionUtil.getVersion());
        for (ResourceFolder.Entry entry : conformance) {
            add(digest, "conformance/" + entry.name());
            add(digest, entry.text());
        }
        for (ResourceFolder.Entry entry : content) {
            add(digest, "content/" + entry.name());
            add(digest, entry.text());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Adds {@code text} with its length, so that no two different sequences of texts give the same bytes. */
    private static void add(MessageDigest digest, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        digest.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
        digest.update((byte) ':');
        digest.update(bytes);
    }
}
