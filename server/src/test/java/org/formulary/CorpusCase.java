package org.formulary;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One request of the bad-request corpus ({@code src/test/resources/bad-requests/}, described in its README): what to
 * send and what the server must answer. Immutable.
 *
 * @param family the corpus file the case comes from (without {@code .tsv}), or {@code search-injection}
 * @param name what the case is, unique across the corpus
 * @param method the HTTP method
 * @param path the path relative to the FHIR base, as sent
 * @param headers the request headers, in order
 * @param body {@code null} for no body, {@code @generator[:argument]} for a generated one (see
 *     {@link CorpusBodies}), else the body text
 * @param status the expected HTTP status
 * @param expect the text an error issue's diagnostics must contain; null for a search that must find nothing
 */
record CorpusCase(String family, String name, String method, String path, Map<String, String> headers, String body,
        int status, String expect) {

    /** The family of the generated searches with injection strings. */
    static final String INJECTION_FAMILY = "search-injection";

    private static final String FOLDER = "/bad-requests/";

    /** Whether the request asks for XML: the answer must then be an XML OperationOutcome. */
    boolean asksForXml() {
        String accept = header("Accept").orElse("");
        return accept.contains("xml") || path.contains("_format=xml");
    }

    /** Whether the case is a search that must answer 200 without matches (the injection string taken literally). */
    boolean expectsNoMatches() {
        return expect == null;
    }

    /** The first word of the name: the kind of bad input (json, xxe, size, method...). */
    String kind() {
        return name.split(" ")[0];
    }

    @Override
    public String toString() {
        return "[" + family + "] " + name + ": " + method + " " + path;
    }

    /** Every case of the corpus: the rows of each {@code *.tsv} file, then the generated injection searches. */
    static List<CorpusCase> loadAll() {
        List<CorpusCase> cases = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder())) {
            files.filter(f -> f.getFileName().toString().endsWith(".tsv"))
                    .filter(f -> !f.getFileName().toString().equals("search-parameters.tsv")
                            && !f.getFileName().toString().equals("injection-strings.tsv"))
                    .sorted()
                    .forEach(f -> cases.addAll(rows(f)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        cases.addAll(injectionSearches());
        return cases;
    }

    /** Each search parameter row of {@code search-parameters.tsv} with each string of {@code injection-strings.tsv}. */
    private static List<CorpusCase> injectionSearches() {
        List<CorpusCase> cases = new ArrayList<>();
        List<String[]> strings = lines(folder().resolve("injection-strings.tsv"), 2);
        for (String[] param : lines(folder().resolve("search-parameters.tsv"), 3)) {
            for (String[] string : strings) {
                String value = string[1].replace("\\u0000", "\u0000");
                String encoded = URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
                boolean empty = param[2].equals("empty");
                cases.add(new CorpusCase(INJECTION_FAMILY, "inject " + string[0] + " into " + param[0], "GET",
                        param[1].replace("{v}", encoded), Map.of(), null, empty ? 200 : 400,
                        empty ? null : param[2].substring("400 ".length())));
            }
        }
        return cases;
    }

    private static List<CorpusCase> rows(Path file) {
        String family = file.getFileName().toString().replace(".tsv", "");
        List<CorpusCase> cases = new ArrayList<>();
        for (String[] row : lines(file, 7)) {
            cases.add(new CorpusCase(family, row[0], row[1], row[2], headers(row[3]),
                    row[4].equals("-") ? null : row[4], Integer.parseInt(row[5]), row[6]));
        }
        return cases;
    }

    private static Map<String, String> headers(String column) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (column.equals("-")) {
            return headers;
        }
        for (String header : column.split(" \\| ")) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).trim(), header.substring(colon + 1).trim());
        }
        return headers;
    }

    /** The non-comment lines of a tab-separated file, each with exactly {@code columns} columns. */
    private static List<String[]> lines(Path file, int columns) {
        try {
            List<String[]> rows = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] row = line.split("\t", -1);
                if (row.length != columns) {
                    throw new IllegalArgumentException(file.getFileName() + ": expected " + columns + " columns: "
                            + line);
                }
                rows.add(row);
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path folder() {
        URL url = Optional.ofNullable(CorpusCase.class.getResource(FOLDER))
                .orElseThrow(() -> new IllegalStateException("no " + FOLDER + " on the test class path"));
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(url.toString(), e);
        }
    }

    /** The value of header {@code name} (case-insensitive), if the case sets it. */
    Optional<String> header(String name) {
        return headers.entrySet().stream()
                .filter(h -> h.getKey().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT)))
                .map(Map.Entry::getValue)
                .findFirst();
    }
}
