package org.formulary.subscription;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.formulary.store.WriteEvent;

/**
 * Sends one notification attempt over HTTP, the way the FHIR R4 rest-hook channel defines it
 * (subscription.html, SubscriptionChannelType {@code rest-hook}: "a post to the URI. If a payload is included, the
 * URL is interpreted as the service base, and an update (PUT) is made"):
 * <ul>
 *   <li>without {@code channel.payload}: {@code POST [endpoint]} with no body;
 *   <li>with a payload: {@code PUT [endpoint]/[type]/[id]} with the changed resource in that MIME type, and for a
 *       deletion {@code DELETE [endpoint]/[type]/[id]} (the endpoint is a FHIR base; a deletion has no content).
 * </ul>
 * Every request carries the {@code channel.header} entries. Any 2xx answer is a success. Uses
 * {@link java.net.http.HttpClient} over HTTP/1.1 without following redirects. Thread-safe.
 */
final class RestHookSender {

    private final Duration timeout;
    /** Built on the first notification: building one loads the TLS trust store, a tenth of a second of startup. */
    private volatile HttpClient client;

    RestHookSender(Duration timeout) {
        this.timeout = timeout;
    }

    private HttpClient client() {
        HttpClient built = client;
        if (built == null) {
            synchronized (this) {
                if (client == null) {
                    client = HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .followRedirects(HttpClient.Redirect.NEVER)
                            .connectTimeout(timeout)
                            .build();
                }
                built = client;
            }
        }
        return built;
    }

    /**
     * Makes one attempt to deliver {@code notification}.
     *
     * @return empty on success, else what went wrong (for the Subscription's {@code error})
     * @throws InterruptedException if the thread was interrupted (the server is stopping)
     */
    Optional<String> send(Notification notification) throws InterruptedException {
        HttpRequest request = request(notification);
        String what = request.method() + " " + request.uri();
        try {
            HttpResponse<Void> response = client().send(request, HttpResponse.BodyHandlers.discarding());
            int status = response.statusCode();
            return status >= 200 && status < 300 ? Optional.empty() : Optional.of(what + " answered HTTP " + status);
        } catch (IOException e) {
            return Optional.of(what + " failed: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
    }

    /** The HTTP request of {@code notification}. */
    HttpRequest request(Notification notification) {
        RestHookChannel channel = notification.subscription().channel();
        HttpRequest.Builder builder;
        if (channel.payload().isEmpty()) {
            builder = HttpRequest.newBuilder(channel.endpoint()).POST(HttpRequest.BodyPublishers.noBody());
        } else {
            builder = HttpRequest.newBuilder(resourceUrl(channel.endpoint(), notification));
            if (notification.kind() == WriteEvent.Kind.DELETE) {
                builder.DELETE();
            } else {
                builder.PUT(HttpRequest.BodyPublishers.ofString(notification.body().orElse(""),
                        StandardCharsets.UTF_8));
            }
        }
        builder.timeout(timeout);
        for (RestHookChannel.Header header : channel.headers()) {
            builder.header(header.name(), header.value());
        }
        if (channel.payload().isPresent() && notification.kind() != WriteEvent.Kind.DELETE) {
            builder.setHeader("Content-Type", channel.payload().get());
        }
        return builder.build();
    }

    private static URI resourceUrl(URI endpoint, Notification notification) {
        String base = endpoint.toString();
        int query = base.indexOf('?');
        String path = query < 0 ? base : base.substring(0, query);
        String suffix = query < 0 ? "" : base.substring(query);
        if (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return URI.create(path + "/" + notification.type() + "/" + notification.id() + suffix);
    }
}
