package org.formulary.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.formulary.config.Settings;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;

/**
 * The HTTP lifecycle on real Jetty, with a FHIR servlet that answers only when the test lets it: not ready (the FHIR
 * base 503) until the servlet is served, then ready; a stop reports not ready first, refuses new connections, waits
 * for the in-flight request to finish, and only then returns. (The whole server in its own JVM, stopped by SIGTERM:
 * {@code GracefulShutdownTest}.)
 */
class JettyLauncherTest {

    private static final FhirContext CTX = FhirContext.forR4Cached();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void liveAtOnceReadyWhenServedAndGracefulWhenStopped() throws Exception {
        JettyLauncher launcher = new JettyLauncher(CTX, 0,
                new Settings.Limits(1024 * 1024, Duration.ofSeconds(30), 16), Duration.ofSeconds(30));
        int port = launcher.start();
        try {
            assertEquals(200, get(port, "/health/live").statusCode());
            HttpResponse<String> notReady = get(port, "/health/ready");
            assertEquals(503, notReady.statusCode());
            assertEquals("{\"status\":\"DOWN\",\"phase\":\"starting\"}", notReady.body());
            HttpResponse<String> starting = get(port, "/fhir/Medication");
            assertEquals(503, starting.statusCode());
            assertEquals("5", starting.headers().firstValue("Retry-After").orElse(null));
            OperationOutcome oo = CTX.newJsonParser().parseResource(OperationOutcome.class, starting.body());
            assertEquals(OperationOutcome.IssueType.TRANSIENT, oo.getIssueFirstRep().getCode());

            assertEquals(503, get(port, "/fhir/.well-known/smart-configuration").statusCode());

            SlowServlet fhir = new SlowServlet();
            launcher.serve(fhir, Optional.of("{\"issuer\":\"https://idp.example\"}"));
            assertEquals("{\"issuer\":\"https://idp.example\"}",
                    get(port, "/fhir/.well-known/smart-configuration").body());
            assertEquals(200, get(port, "/health/ready").statusCode());

            CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(request(port, "/fhir/slow"),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(fhir.entered.await(30, TimeUnit.SECONDS), "the request reached the FHIR servlet");
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> stop(launcher));

            awaitConnectionRefused(port);
            assertEquals(Readiness.State.STOPPING, launcher.readiness().state());
            assertTrue(!stopped.isDone(), "the stop waits for the in-flight request");
            fhir.release.countDown();
            HttpResponse<String> finished = inFlight.get(30, TimeUnit.SECONDS);
            assertEquals(200, finished.statusCode(), "the in-flight request finished");
            assertEquals("done", finished.body());
            stopped.get(30, TimeUnit.SECONDS);
        } finally {
            launcher.stop();
        }
    }

    private void awaitConnectionRefused(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                get(port, "/health/live");
            } catch (ConnectException refused) {
                return;
            }
            Thread.sleep(10);
        }
        assertThrows(ConnectException.class, () -> get(port, "/health/live"), "new connections are refused");
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(request(port, path), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(30)).build();
    }

    private static void stop(JettyLauncher launcher) {
        try {
            launcher.stop();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Answers "done" once the test releases it. */
    private static final class SlowServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient CountDownLatch entered = new CountDownLatch(1);
        private final transient CountDownLatch release = new CountDownLatch(1);

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            response.setStatus(200);
            response.getWriter().write("done");
        }
    }
}
