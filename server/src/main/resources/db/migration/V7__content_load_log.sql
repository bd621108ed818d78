-- The last successful load of the formulary content at startup: a fingerprint of what it was made from (server and
-- HAPI versions, conformance package, content files) and when it finished. A startup whose fingerprint is the same
-- need not validate again the content resources nobody has written since.
CREATE TABLE content_load (
    id           INT          NOT NULL PRIMARY KEY, -- always 1: one row
    fingerprint  VARCHAR(64)  NOT NULL,             -- SHA-256, hex
    loaded_at    BIGINT       NOT NULL              -- epoch milliseconds, UTC
);
-- The one row exists from the start (no load yet: an empty fingerprint), so that a load only ever updates it, also
-- when two nodes start together.
INSERT INTO content_load (id, fingerprint, loaded_at) VALUES (1, '', 0);
