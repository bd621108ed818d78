package org.formulary.export;

/**
 * One finished NDJSON file of a job. Immutable, thread-safe.
 *
 * @param name the file name in the job's folder, e.g. {@code Medication.ndjson}
 * @param kind the manifest array it is listed in
 * @param type the type of every line: a resource type, {@code Bundle} (deletions) or {@code OperationOutcome}
 * @param count how many lines (resources) it holds
 */
public record ExportFile(String name, Kind kind, String type, long count) {

    /** The manifest array a file belongs to. */
    public enum Kind {
        /** {@code output}: the exported resources. */
        OUTPUT("output"),
        /** {@code deleted}: transaction Bundles with one DELETE entry per line. */
        DELETED("deleted"),
        /** {@code error}: OperationOutcomes about the export. */
        ERROR("error");

        private final String code;

        Kind(String code) {
            this.code = code;
        }

        /** The manifest field name, also stored in {@code export_file.kind}. */
        public String code() {
            return code;
        }

        /** The kind stored as {@code code}. */
        public static Kind fromCode(String code) {
            for (Kind kind : values()) {
                if (kind.code.equals(code)) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("Unknown export file kind: " + code);
        }
    }
}
