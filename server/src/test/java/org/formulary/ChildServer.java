package org.formulary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The real server in a JVM of its own ({@code java -cp <test class path> org.formulary.FormularyServer}), so that
 * a test can kill it (SIGKILL), stop it (SIGTERM) and start it again on the same database file. The child runs
 * the current classes of the build, configured only through environment variables, on a free port, with its
 * output in {@code <dir>/server-<n>.log}. Requests are built here ({@link #request}, {@link #rootRequest}) as the
 * {@link FormularyServerExtension} builds them for the in-process server.
 *
 * <p>The child trusts the {@link TestTokens} key set, and {@link #request} sends a token that may do anything.
 *
 * <p>Not thread-safe for lifecycle calls; {@link #send} may be called from many threads.
 */
final class ChildServer implements AutoCloseable {

    /** How long a child may take to report ready: startup is 10–20 s alone, much more on a shared build machine. */
    static final Duration STARTUP_LIMIT = Duration.ofMinutes(5);

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private final Process process;
    private final int port;
    private final Path log;

    private ChildServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts a child server whose database is the H2 file {@code <dir>/db}, export folder {@code <dir>/export}
     * and log {@code <dir>/server-<run>.log}; {@code env} adds or overrides environment variables.
     */
    static ChildServer start(Path dir, int run, Map<String, String> env) throws IOException {
        int port = freePort();
        Path log = dir.resolve("server-" + run + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                FormularyServer.class.getName());
        Map<String, String> childEnv = builder.environment();
        childEnv.put("FORMULARY_PORT", Integer.toString(port));
        childEnv.put("FORMULARY_DB_URL", "jdbc:h2:file:" + dir.resolve("db").toAbsolutePath());
        childEnv.put("FORMULARY_EXPORT_DIR", dir.resolve("export").toAbsolutePath().toString());
        childEnv.putAll(TestTokens.environment());
        childEnv.putAll(env);
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        return new ChildServer(builder.start(), port, log);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The child's process id. */
    long pid() {
        return process.pid();
    }

    /** The child's process. */
    Process process() {
        return process;
    }

    /** The port the child listens on. */
    int port() {
        return port;
    }

    /** A request builder for {@code path} relative to the FHIR base (e.g. "/Medication"), with a bearer token. */
    HttpRequest.Builder request(String path) {
        return rootRequest("/fhir" + path).header("Authorization", authorization());
    }

    /** The {@code Authorization} header value of a token that may do anything on this child. */
    String authorization() {
        return TestTokens.bearer("http://localhost:" + port + "/fhir");
    }

    /** A request builder for {@code path} from the server's root (e.g. "/health/ready"). */
    HttpRequest.Builder rootRequest(String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofMinutes(2));
    }

    /** Sends {@code request} to the child. */
    HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** GET {@code path} (relative to the FHIR base) with JSON accepted. */
    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(request(path).header("Accept", "application/fhir+json").GET());
    }

    /**
     * Polls {@code /health/live} until it answers 200 (connections are refused until HTTP runs) and returns the
     * answer of {@code /health/ready} right after; fails if the child exits or takes longer than
     * {@link #STARTUP_LIMIT}.
     */
    HttpResponse<String> awaitLive() throws IOException, InterruptedException {
        awaitStatus("/health/live", 200);
        return send(rootRequest("/health/ready").GET());
    }

    /** Polls {@code /health/ready} until it answers 200; fails if the child exits or is not ready in time. */
    void awaitReady() throws IOException, InterruptedException {
        awaitStatus("/health/ready", 200);
    }

    private void awaitStatus(String path, int status) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + STARTUP_LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            assertTrue(process.isAlive(), () -> "the server exited with " + process.exitValue() + ":\n" + logTail());
            try {
                if (send(rootRequest(path).timeout(Duration.ofSeconds(10)).GET()).statusCode() == status) {
                    return;
                }
            } catch (ConnectException | HttpTimeoutException notYetAnswering) {
                // HTTP is not up yet, or too busy starting to answer in time: poll again
            }
            Thread.sleep(20);
        }
        throw new AssertionError(path + " did not answer " + status + " within " + STARTUP_LIMIT + ":\n"
                + logTail());
    }

    /** SIGKILL: the JVM dies at once, with no shutdown hook run and nothing flushed. Waits until it is gone. */
    void kill() throws InterruptedException {
        // On Linux, Process.destroyForcibly() sends SIGKILL; a JVM killed so exits with 128 + 9.
        process.destroyForcibly();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the killed server is gone");
        assertFalse(ProcessHandle.of(process.pid()).map(ProcessHandle::isAlive).orElse(false),
                "no process with the server's pid is alive");
        assertEquals(128 + 9, process.exitValue(), "the server died of SIGKILL");
    }

    /** SIGTERM: the JVM runs its shutdown hooks (the graceful shutdown) and exits. */
    void terminate() {
        // On Linux, Process.destroy() sends SIGTERM.
        process.destroy();
    }

    /** The last lines of the child's output, for failure messages. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** The child's whole output so far. */
    String logText() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    /**
     * Whether the log shows {@code pattern} within a minute: the ready line is written just after
     * {@code /health/ready} turns 200, so a test that has seen ready may still have to wait for it.
     */
    boolean awaitLog(Pattern pattern) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!pattern.matcher(logText()).find()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    /** Kills the child if it still runs. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
