-- String prefix search (drug-name=aceta) through an index on H2 and PostgreSQL alike. LIKE 'aceta%' uses no index
-- on H2 when the pattern is a bound argument, nor on PostgreSQL under a linguistic collation; an equality on the
-- first three characters does, on both. Text.prefix computes the same value when the index rows are written.
ALTER TABLE idx_string ADD COLUMN value_prefix VARCHAR(3);
UPDATE idx_string SET value_prefix = SUBSTRING(value_normalized FROM 1 FOR 3);
CREATE INDEX ix_idx_string_prefix ON idx_string (res_type, param, value_prefix);
