package org.formulary.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Bulk Data complete-status manifest of a finished job: {@code transactionTime}, {@code request},
 * {@code requiresAccessToken} (true when export is private, {@code FORMULARY_EXPORT_AUTH=private}), and {@code output}, {@code deleted}
 * and {@code error} items with {@code type}, {@code url} and {@code count}. File URLs are built on the base URL of
 * the status request, so they follow the server if its address changes between kick-off and download. Files
 * without lines are not listed. Thread-safe.
 */
final class Manifest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Manifest() {}

    static String json(ExportJob job, List<ExportFile> files, String baseUrl, boolean requiresAccessToken) {
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("transactionTime", job.transactionTime().toString());
        manifest.put("request", job.request().requestUrl());
        manifest.put("requiresAccessToken", requiresAccessToken);
        for (ExportFile.Kind kind : ExportFile.Kind.values()) {
            manifest.put(kind.code(), items(job, files, kind, baseUrl));
        }
        try {
            return JSON.writeValueAsString(manifest);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Could not write the manifest of export job " + job.id(), e);
        }
    }

    /** The download URL of file {@code name} of job {@code jobId}. */
    static String fileUrl(String baseUrl, String jobId, String name) {
        return baseUrl + "/" + ExportOperations.DOWNLOAD + "?_jobId=" + jobId + "&_file=" + name;
    }

    private static List<Map<String, Object>> items(ExportJob job, List<ExportFile> files, ExportFile.Kind kind,
            String baseUrl) {
        List<Map<String, Object>> items = new ArrayList<>();
        for (ExportFile file : files) {
            if (file.kind() == kind && file.count() > 0) {
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("type", file.type());
                item.put("url", fileUrl(baseUrl, job.id(), file.name()));
                item.put("count", file.count());
                items.add(item);
            }
        }
        return items;
    }
}
