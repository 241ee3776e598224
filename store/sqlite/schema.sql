-- Concord ledger database, schema version 1 (docs/spec/06-storage.md, §6.3).
-- Applied on every open; every statement must be idempotent.

CREATE TABLE IF NOT EXISTS meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

-- Leaf idx of the log and its RFC 6962 leaf hash (SPEC §5.1).
CREATE TABLE IF NOT EXISTS leaves (
	idx  INTEGER PRIMARY KEY CHECK (idx >= 0),
	leaf BLOB NOT NULL CHECK (length(leaf) > 0),
	hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32)
) STRICT;

-- Stored tree hashes by storage index (SPEC §5.2).
CREATE TABLE IF NOT EXISTS hashes (
	idx  INTEGER PRIMARY KEY CHECK (idx >= 0),
	hash BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;

-- Signed checkpoints, one per tree size (SPEC §5.5).
CREATE TABLE IF NOT EXISTS checkpoints (
	size INTEGER PRIMARY KEY CHECK (size >= 0),
	note BLOB NOT NULL
) STRICT;

-- Witness cosignature lines on checkpoints (SPEC §5.8).
CREATE TABLE IF NOT EXISTS cosignatures (
	size    INTEGER NOT NULL REFERENCES checkpoints (size),
	witness TEXT NOT NULL,
	line    BLOB NOT NULL,
	PRIMARY KEY (size, witness)
) STRICT;

INSERT INTO meta (key, value) VALUES ('schema_version', '1') ON CONFLICT (key) DO NOTHING;
