package org.formulary.http;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.formulary.config.Settings;

/**
 * Runs HTTP on Jetty 12: the health endpoints at {@code /health/live} and {@code /health/ready}, the FHIR servlet at
 * {@code /fhir} (503 with an OperationOutcome until it is {@linkplain #serve served}), the SMART configuration at
 * {@code /fhir/.well-known/smart-configuration}, and for every other path,
 * and every error Jetty answers itself (a malformed URI, say), an OperationOutcome in JSON rather than an HTML page.
 *
 * <p>Lifecycle: {@link #start()} as early as possible (liveness), {@link #serve} once the server is ready
 * (readiness), {@link #stop()} for a graceful shutdown. Meant to be driven by one lifecycle thread; requests are
 * served concurrently.
 *
 * <p>The {@link Settings.Limits} bound the worker threads and how long a connection may stay idle (a request whose
 * body stops arriving fails after that time, see {@link RequestBodyInterceptor}).
 */
public final class JettyLauncher {

    private final Server server;
    private final ServerConnector connector;
    private final FhirGateServlet fhirGate;
    private final SmartConfigurationServlet smartConfiguration;
    private final CachedReadHandler cachedReads;
    private final Readiness readiness = new Readiness();

    /**
     * Binds (but does not start) a server on {@code port} (0 for a free one) within {@code limits} that, when
     * stopped, lets in-flight requests finish for at most {@code stopTimeout}.
     */
    public JettyLauncher(FhirContext ctx, int port, Settings.Limits limits, Duration stopTimeout) {
        QueuedThreadPool threads = new QueuedThreadPool(limits.httpThreads(), Settings.MIN_HTTP_THREADS);
        threads.setName("http");
        server = new Server(threads);
        HttpConfiguration httpConfig = new HttpConfiguration();
        httpConfig.setSendServerVersion(false);
        connector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
        connector.setPort(port);
        connector.setIdleTimeout(limits.requestTimeout().toMillis());
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.setMaxFormContentSize(limits.maxBodyBytes());
        fhirGate = new FhirGateServlet(ctx);
        ServletHolder fhir = new ServletHolder("fhir", fhirGate);
        fhir.setInitOrder(0);
        context.addServlet(fhir, Settings.FHIR_PATH + "/*");
        smartConfiguration = new SmartConfigurationServlet(ctx);
        context.addServlet(new ServletHolder("smart-configuration", smartConfiguration),
                Settings.FHIR_PATH + "/.well-known/smart-configuration");
        context.addServlet(new ServletHolder("health", new HealthServlet(ctx, readiness)), "/health/*");
        context.addServlet(new ServletHolder("not-found", new NotFoundServlet(ctx)), "/");
        context.setErrorHandler(new JsonErrorHandler(ctx));
        server.setErrorHandler(new JsonErrorHandler(ctx));
        // Counts in-flight requests so that a stop waits for them, and answers 503 to requests after it began.
        cachedReads = new CachedReadHandler(context, Settings.FHIR_PATH);
        server.setHandler(new GracefulHandler(cachedReads));
        server.setStopTimeout(stopTimeout.toMillis());
    }

    /** Starts HTTP: the health endpoints answer (not ready yet) and the FHIR base answers 503. Returns the port. */
    public int start() throws Exception {
        server.start();
        return connector.getLocalPort();
    }

    /**
     * Serves FHIR requests with {@code fhirServlet} and {@code smartConfiguration} (the SMART configuration JSON, or
     * empty when authorization is off) from now on, and reports ready. A {@link FormularyRestfulServer}'s cached
     * reads are also answered in front of the servlets ({@link CachedReadHandler}).
     */
    public void serve(HttpServlet fhirServlet, Optional<String> smartConfiguration) throws Exception {
        this.smartConfiguration.publish(smartConfiguration);
        fhirGate.open(fhirServlet);
        if (fhirServlet instanceof FormularyRestfulServer formulary) {
            cachedReads.open(formulary.readAnswers());
        }
        readiness.markReady();
    }

    /** The bound port (after {@link #start()}). */
    public int port() {
        return connector.getLocalPort();
    }

    /** The server's readiness, as {@code /health/ready} reports it. */
    public Readiness readiness() {
        return readiness;
    }

    /**
     * Stops gracefully: {@code /health/ready} answers 503 first, then the connector stops accepting connections,
     * in-flight requests finish (at most the stop timeout), and the servlets are destroyed.
     */
    public void stop() throws Exception {
        readiness.markStopping();
        server.stop();
    }

    /** Answers any path outside the FHIR base with 404 and an OperationOutcome. */
    private static final class NotFoundServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient FhirContext ctx;

        NotFoundServlet(FhirContext ctx) {
            this.ctx = ctx;
        }

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            HttpErrors.writeOutcome(response, ctx, 404, "No FHIR endpoint at " + request.getRequestURI()
                    + "; the FHIR base is /fhir");
        }
    }

    /** Jetty's own error responses as OperationOutcome JSON. */
    private static final class JsonErrorHandler extends ErrorHandler {
        private final FhirContext ctx;

        JsonErrorHandler(FhirContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            int status = response.getStatus() < 400 ? 500 : response.getStatus();
            Object message = request.getAttribute(ERROR_MESSAGE);
            Object cause = request.getAttribute(ERROR_EXCEPTION);
            String text = (message == null ? "HTTP " + status : message.toString())
                    + (cause instanceof Throwable t && t.getMessage() != null ? ": " + t.getMessage() : "")
                    + " (request URI: " + request.getHttpURI() + ")";
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/fhir+json;charset=utf-8");
            byte[] body = HttpErrors.operationOutcomeJson(ctx, status, text).getBytes(StandardCharsets.UTF_8);
            response.write(true, ByteBuffer.wrap(body), callback);
            return true;
        }
    }
}
