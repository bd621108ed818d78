package org.formulary;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.hl7.fhir.r4.model.Medication;

/**
 * The bodies of the bad-request corpus: a row's text as it is, or generated from {@code @name[:argument]}. A body
 * that the server must refuse for its encoding is otherwise a valid Medication wherever possible, so that a server
 * that let it through would store it (and the database check would fail). Immutable, thread-safe.
 */
final class CorpusBodies {

    /** The content Medication whose copies the generated bodies are. */
    static final String EXISTING = "baclofen-10mg-tablet";

    private static final String NS = "xmlns=\"http://hl7.org/fhir\"";

    private final int maxBodyBytes;

    /** Bodies for a server that accepts at most {@code maxBodyBytes}. */
    CorpusBodies(int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    /** How a body is sent. */
    enum Transport {
        /** Through the extension's HTTP client, with a Content-Length. */
        HTTP,
        /** Through the extension's HTTP client, chunked: the server learns its size only by reading it. */
        CHUNKED,
        /**
         * Over a raw socket, declaring a Content-Length larger than the body sent (see {@link #declaredLength}); an
         * {@code @unsent} body is not sent at all, as a client waiting for {@code 100 Continue} holds it back.
         */
        SOCKET
    }

    /** How {@code spec} is sent. */
    static Transport transport(String spec) {
        if (spec == null) {
            return Transport.HTTP;
        }
        if (spec.equals("@oversized-chunked")) {
            return Transport.CHUNKED;
        }
        return spec.startsWith("@truncated:") || spec.startsWith("@declared-length:") || spec.startsWith("@unsent:")
                ? Transport.SOCKET
                : Transport.HTTP;
    }

    /** The Content-Length a socket case declares for a body of {@code sent} bytes. */
    static long declaredLength(String spec, int sent) {
        if (spec.startsWith("@truncated:")) {
            return sent + Long.parseLong(argument(spec));
        }
        return Long.parseLong(argument(spec));
    }

    /** The bytes of body {@code spec} (text, or a generator with its argument). */
    byte[] bytes(String spec) {
        if (!spec.startsWith("@")) {
            return utf8(spec);
        }
        String name = spec.contains(":") ? spec.substring(1, spec.indexOf(':')) : spec.substring(1);
        String arg = argument(spec);
        return switch (name) {
            case "text" -> utf8(arg);
            case "medication" -> utf8(medicationJson(arg));
            case "long-number" -> utf8("{\"resourceType\":\"Medication\",\"amount\":{\"numerator\":{\"value\":"
                    + "1".repeat(Integer.parseInt(arg)) + "}}}");
            case "invalid-utf8" -> invalidUtf8(arg);
            case "utf16-xml" -> ("<Medication " + NS + "><status value=\"active\"/></Medication>")
                    .getBytes(StandardCharsets.UTF_16);
            case "nested-json-objects" -> utf8(nested("{\"resourceType\":\"Medication\",\"code\":", "{\"a\":", "1",
                    "}", "}", arg));
            case "nested-json-arrays" -> utf8(nested("{\"resourceType\":\"Medication\",\"code\":", "[", "1", "]",
                    "}", arg));
            case "nested-extensions" -> utf8(nested("{\"resourceType\":\"Medication\",\"extension\":[",
                    "{\"url\":\"http://example.org/x\",\"extension\":[", "{\"url\":\"http://example.org/y\","
                            + "\"valueString\":\"x\"}", "]}", "]}", arg));
            case "nested-xml" -> utf8(nested("<Medication " + NS + ">", "<extension url=\"http://example.org/x\">",
                    "", "</extension>", "</Medication>", arg));
            case "oversized", "oversized-chunked" -> oversized(arg.isEmpty() ? "json" : arg);
            case "gzip-bomb" -> gzip(" ".repeat(maxBodyBytes * 4).getBytes(StandardCharsets.US_ASCII));
            case "gzip" -> gzip(utf8(arg));
            case "truncated", "declared-length" -> utf8("{\"resourceType\":\"Medication\",\"status\":\"active\"}");
            case "unsent" -> new byte[0];
            default -> throw new IllegalArgumentException("unknown body generator " + spec);
        };
    }

    /**
     * A valid Medication whose {@code implicitRules} holds a byte sequence that is not UTF-8 ({@code variant}); the
     * argument may add {@code :id} for an update. {@code latin1-xml} and {@code latin1-form} are an XML Medication
     * and a search form in ISO-8859-1.
     */
    private byte[] invalidUtf8(String arg) {
        String[] parts = arg.split(":", 2);
        String variant = parts[0];
        if (variant.equals("latin1-xml")) {
            return ("<Medication " + NS + "><implicitRules value=\"http://example.org/r\u00e8gles\"/>"
                    + "<status value=\"active\"/></Medication>").getBytes(StandardCharsets.ISO_8859_1);
        }
        if (variant.equals("latin1-form")) {
            return "code:text=baclof\u00e8ne".getBytes(StandardCharsets.ISO_8859_1);
        }
        String json = medicationJson(parts.length > 1 ? parts[1] : "")
                .replace("\"resourceType\":\"Medication\",", "\"resourceType\":\"Medication\","
                        + "\"implicitRules\":\"http://example.org/MARK\",");
        String[] halves = json.split("MARK", 2);
        byte[] bad = switch (variant) {
            case "lone-continuation" -> new byte[] {(byte) 0x80};
            case "overlong" -> new byte[] {(byte) 0xC0, (byte) 0xAF};
            case "truncated-sequence" -> new byte[] {(byte) 0xE2, (byte) 0x82};
            case "surrogate" -> new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80};
            case "ff-byte" -> new byte[] {(byte) 0xFF};
            case "latin1" -> "r\u00e8gles".getBytes(StandardCharsets.ISO_8859_1);
            default -> throw new IllegalArgumentException("unknown invalid-utf8 variant " + variant);
        };
        return concat(utf8(halves[0]), bad, utf8(halves[1]));
    }

    /** A body of just over the limit: a Medication with one long value. */
    private byte[] oversized(String format) {
        String filler = "a".repeat(maxBodyBytes + 1);
        String text = switch (format) {
            case "json" -> "{\"resourceType\":\"Medication\",\"implicitRules\":\"http://example.org/" + filler + "\"}";
            case "xml" -> "<Medication " + NS + "><implicitRules value=\"http://example.org/" + filler
                    + "\"/></Medication>";
            default -> throw new IllegalArgumentException("unknown oversized format " + format);
        };
        return utf8(text);
    }

    /** The content Medication that conforms to its profile, with {@code id} (none if empty), made inactive. */
    static String medicationJson(String id) {
        try {
            Medication medication = TestData.contentMedication(EXISTING);
            medication.setMeta(null);
            medication.setId(id.isEmpty() ? null : id);
            medication.setStatus(Medication.MedicationStatus.INACTIVE);
            return TestData.parser().encodeResourceToString(medication);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String nested(String head, String open, String inner, String close, String tail, String depth) {
        int n = Integer.parseInt(depth);
        return head + open.repeat(n) + inner + close.repeat(n) + tail;
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static String argument(String spec) {
        int colon = spec.indexOf(':');
        return colon < 0 ? "" : spec.substring(colon + 1);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
