package org.formulary;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for the requests {@link java.net.http.HttpClient} refuses to send: a
 * {@code Content-Length} that does not match the body. The request is closed after one exchange. Stateless.
 */
final class RawHttp {

    private RawHttp() {}

    /**
     * A response: status, headers (names in lower case, the first value of each) and body text.
     *
     * @param status the HTTP status
     * @param headers the response headers, names in lower case
     * @param body the body, decoded as UTF-8
     */
    record Answer(int status, Map<String, String> headers, String body) {

        /** The answer of the extension's HTTP client. */
        static Answer of(HttpResponse<String> response) {
            Map<String, String> headers = new LinkedHashMap<>();
            response.headers().map().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT),
                    values.get(0)));
            return new Answer(response.statusCode(), headers, response.body());
        }

        String header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
        }
    }

    /**
     * Sends {@code method} {@code path} (absolute path on the server of {@code base}) with {@code headers},
     * declaring {@code contentLength} and sending {@code body}, and reads the answer the server gives (waiting at
     * most {@code readTimeoutMillis}).
     */
    static Answer exchange(URI base, String method, String path, Map<String, String> headers, byte[] body,
            long contentLength, int readTimeoutMillis) throws IOException {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(readTimeoutMillis);
            StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(base.getHost()).append(':').append(base.getPort()).append("\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            head.append("Content-Length: ").append(contentLength).append("\r\nConnection: close\r\n\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            return parse(socket.getInputStream());
        }
    }

    private static Answer parse(InputStream in) throws IOException {
        byte[] raw = in.readAllBytes();
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int split = text.indexOf("\r\n\r\n");
        if (split < 0) {
            throw new IOException("no complete HTTP response: " + text);
        }
        String[] headLines = text.substring(0, split).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < headLines.length; i++) {
            int colon = headLines[i].indexOf(':');
            headers.putIfAbsent(headLines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    headLines[i].substring(colon + 1).trim());
        }
        byte[] body = Arrays.copyOfRange(raw, split + 4, raw.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Answer(Integer.parseInt(headLines[0].split(" ")[1]), headers,
                new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] dechunk(byte[] chunked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        while (pos < chunked.length) {
            int lineEnd = indexOfCrLf(chunked, pos);
            String sizeLine = new String(chunked, pos, lineEnd - pos, StandardCharsets.ISO_8859_1);
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                break;
            }
            out.write(chunked, lineEnd + 2, size);
            pos = lineEnd + 2 + size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOfCrLf(byte[] bytes, int from) {
        for (int i = from; i + 1 < bytes.length; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
                return i;
            }
        }
        return bytes.length;
    }
}
