package org.formulary.content;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A folder of FHIR JSON files, on disk or carried on the classpath (inside the jar or in target/classes).
 * Lists {@code *.json} files recursively in a stable (path) order. Stateless.
 */
public final class ResourceFolder {

    /** One file: where it came from (for messages) and its text. */
    public record Entry(String name, String text) {}

    private ResourceFolder() {}

    /** The files under {@code dir} if given, else under the classpath folder {@code classpathFolder}. */
    public static List<Entry> read(Optional<Path> dir, String classpathFolder) {
        if (dir.isPresent()) {
            return readDir(dir.get());
        }
        URL url = ResourceFolder.class.getClassLoader().getResource(classpathFolder);
        if (url == null) {
            throw new IllegalStateException("The classpath folder '" + classpathFolder + "' is missing from the build");
        }
        try {
            URI uri = url.toURI();
            if (!"jar".equals(uri.getScheme())) {
                return readDir(Path.of(uri));
            }
            FileSystem fs;
            try {
                fs = FileSystems.newFileSystem(uri, Map.of());
            } catch (FileSystemAlreadyExistsException e) {
                fs = FileSystems.getFileSystem(uri);
            }
            return readDir(fs.getPath(classpathFolder));
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("Cannot read the classpath folder '" + classpathFolder + "'", e);
        }
    }

    private static List<Entry> readDir(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("Not a folder: " + dir.toAbsolutePath());
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".json") && Files.isRegularFile(p))
                    .sorted()
                    .map(p -> new Entry(dir.relativize(p).toString(), text(p)))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir, e);
        }
    }

    private static String text(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }
}
