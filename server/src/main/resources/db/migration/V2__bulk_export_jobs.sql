-- Bulk Data $export jobs. A job exports the resources as they stood at its transaction_time, so running it again
-- (after a restart) gives the same files. The NDJSON files live on disk under FORMULARY_EXPORT_DIR/<job_id>/.
CREATE TABLE export_job (
    job_id            VARCHAR(36)   NOT NULL PRIMARY KEY,
    status            VARCHAR(16)   NOT NULL, -- accepted, in-progress, complete, failed
    request_url       VARCHAR(4000) NOT NULL, -- the kick-off URL: the manifest's "request"
    base_url          VARCHAR(1024) NOT NULL, -- FHIR base at kick-off: absolute references under it are local
    res_types         VARCHAR(4000) NOT NULL, -- comma-separated types to export, in export order
    since_ms          BIGINT,                 -- _since as epoch ms, NULL when not given
    focus_type        VARCHAR(64),            -- instance-level export: the resource whose references are followed
    focus_id          VARCHAR(64),
    transaction_time  BIGINT        NOT NULL, -- epoch ms: every resource is exported as it stood at this instant
    notes             VARCHAR(4000),          -- lenient handling: one ignored parameter per line, for error[]
    attempts          INTEGER       NOT NULL, -- how many times a run started (a restart resumes an unfinished job)
    created_at        BIGINT        NOT NULL,
    finished_at       BIGINT
);
CREATE INDEX ix_export_job_status ON export_job (status);

-- The finished files of a job. A file is listed only once it is complete, so a resumed job redoes only the rest.
CREATE TABLE export_file (
    job_id      VARCHAR(36)   NOT NULL REFERENCES export_job (job_id) ON DELETE CASCADE,
    file_name   VARCHAR(128)  NOT NULL,
    kind        VARCHAR(8)    NOT NULL, -- output, deleted or error: the manifest array it belongs to
    res_type    VARCHAR(64)   NOT NULL, -- the type of every line: a resource type, Bundle or OperationOutcome
    line_count  BIGINT        NOT NULL,
    PRIMARY KEY (job_id, file_name)
);
