-- PostgreSQL has no CLOB type; its TEXT holds any length. The shared migrations (db/migration) are written in
-- portable SQL except that V1 declares the JSON payload as CLOB, and an applied migration may never change (H2
-- file databases keep its checksum), so PostgreSQL gets CLOB as a name for TEXT before V1 runs.
CREATE DOMAIN clob AS TEXT;
