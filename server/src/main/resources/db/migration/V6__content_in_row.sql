-- The JSON payload moves from CLOB to CHARACTER VARYING without a length (H2: up to 1,000,000,000 characters,
-- PostgreSQL: up to 1 GB; far above the 10 MiB body limit). H2 kept every CLOB longer than a few hundred bytes in
-- its separate LOB store, read it through a LOB stream and reader, and copied it into a temporary LOB for every
-- result that selected it: most of a $export's time. In the row, a value is read with its row. On PostgreSQL the
-- column was TEXT already (the clob domain).
ALTER TABLE resource_version ALTER COLUMN content SET DATA TYPE VARCHAR;
