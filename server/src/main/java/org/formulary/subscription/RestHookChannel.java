package org.formulary.subscription;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;

/**
 * Where and how a Subscription's notifications go: its {@code channel} of type {@code rest-hook}, checked.
 * Immutable and thread-safe.
 *
 * @param endpoint the absolute http(s) URL of {@code channel.endpoint}
 * @param payload the MIME type of {@code channel.payload}, or empty for notifications without a body
 * @param headers the {@code channel.header} entries, each {@code Name: value}, sent with every notification
 */
public record RestHookChannel(URI endpoint, Optional<String> payload, List<Header> headers) {

    /** The payload MIME types this server can send (a {@code ;} parameter such as fhirVersion is allowed). */
    public static final Set<String> PAYLOAD_TYPES =
            Set.of("application/fhir+json", "application/json", "application/fhir+xml", "application/xml");

    /**
     * One HTTP header.
     *
     * @param name the header name
     * @param value the header value
     */
    public record Header(String name, String value) {}

    public RestHookChannel {
        headers = List.copyOf(headers);
    }

    /** Whether the payload is XML (else JSON); meaningful only with a payload. */
    public boolean xmlPayload() {
        return payload.map(p -> mediaType(p).endsWith("xml")).orElse(false);
    }

    /**
     * Reads and checks {@code channel}.
     *
     * @throws InvalidSubscriptionException naming the offending {@code Subscription.channel} element
     */
    public static RestHookChannel of(Subscription.SubscriptionChannelComponent channel)
            throws InvalidSubscriptionException {
        if (channel.getType() != Subscription.SubscriptionChannelType.RESTHOOK) {
            throw new InvalidSubscriptionException("Subscription.channel.type", channel.getType() == null
                    ? "is missing; this server supports rest-hook"
                    : "only rest-hook is supported, not '" + channel.getType().toCode() + "'");
        }
        URI endpoint = endpoint(channel.getEndpoint());
        Optional<String> payload = Optional.ofNullable(channel.getPayload()).map(String::trim)
                .filter(p -> !p.isEmpty());
        if (payload.isPresent() && !PAYLOAD_TYPES.contains(mediaType(payload.get()))) {
            throw new InvalidSubscriptionException("Subscription.channel.payload", "'" + payload.get()
                    + "' is not supported; leave it out for notifications without a body, or use one of "
                    + String.join(", ", new TreeSet<>(PAYLOAD_TYPES)));
        }
        List<Header> headers = new ArrayList<>();
        for (StringType raw : channel.getHeader()) {
            headers.add(header(raw.getValue()));
        }
        return new RestHookChannel(endpoint, payload, headers);
    }

    private static URI endpoint(String value) throws InvalidSubscriptionException {
        String element = "Subscription.channel.endpoint";
        if (value == null || value.isBlank()) {
            throw new InvalidSubscriptionException(element, "is missing; a rest-hook needs an http(s) URL");
        }
        try {
            URI uri = new URI(value.trim());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw new InvalidSubscriptionException(element, "'" + value + "' is not an absolute http(s) URL");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new InvalidSubscriptionException(element, "'" + value + "' is not a URL: " + e.getMessage());
        }
    }

    private static Header header(String raw) throws InvalidSubscriptionException {
        String element = "Subscription.channel.header";
        int colon = raw == null ? -1 : raw.indexOf(':');
        if (colon <= 0) {
            throw new InvalidSubscriptionException(element, "'" + raw + "' is not of the form 'Name: value'");
        }
        Header header = new Header(raw.substring(0, colon).trim(), raw.substring(colon + 1).trim());
        try {
            // The JDK client refuses malformed names and headers it sets itself (Host, Content-Length, ...).
            HttpRequest.newBuilder(URI.create("http://localhost/")).header(header.name(), header.value());
        } catch (IllegalArgumentException e) {
            throw new InvalidSubscriptionException(element, "'" + raw + "' cannot be sent: " + e.getMessage());
        }
        return header;
    }

    private static String mediaType(String mime) {
        int semicolon = mime.indexOf(';');
        return (semicolon < 0 ? mime : mime.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }
}
