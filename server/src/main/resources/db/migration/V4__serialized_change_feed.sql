-- One row that every write transaction locks first: writes commit in the order they take their change-feed
-- position (resource_version.seq) and their lastUpdated, so a reader paging through _history or _lastUpdated
-- never misses a version that commits later with an earlier position. Works across server nodes on one database.
CREATE TABLE change_feed (
    id            INT     NOT NULL PRIMARY KEY,
    last_updated  BIGINT  NOT NULL  -- the newest lastUpdated handed out, epoch milliseconds
);
INSERT INTO change_feed (id, last_updated) VALUES (1, 0);
