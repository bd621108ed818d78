package org.formulary.search;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A keyset paging position: the sort key of the last (or first) resource of a page. Encoded into the page links,
 * so any server node can serve any page and writes between pages neither skip nor repeat a resource.
 *
 * @param after {@code true} for the page after this key, {@code false} for the page before it
 * @param sortValue the key's sort value (lastUpdated in epoch ms, a normalised string, a date in epoch ms);
 *     empty when the order is by id only
 * @param id the key's logical id
 */
public record Cursor(boolean after, String sortValue, String id) {

    /** The opaque, URL-safe form used in links. */
    public String encode() {
        String raw = (after ? "a" : "b") + ":" + id.length() + ":" + id + sortValue;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads a cursor made by {@link #encode()}; a malformed one is the client's error. */
    public static Cursor decode(String token) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            String[] parts = raw.split(":", 3);
            if (parts.length != 3 || !(parts[0].equals("a") || parts[0].equals("b"))) {
                throw new IllegalArgumentException("bad cursor");
            }
            int idLength = Integer.parseInt(parts[1]);
            if (idLength < 1 || idLength > parts[2].length()) {
                throw new IllegalArgumentException("bad cursor");
            }
            return new Cursor(parts[0].equals("a"), parts[2].substring(idLength), parts[2].substring(0, idLength));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("Invalid value for parameter '_cursor': not a cursor this server made");
        }
    }
}
