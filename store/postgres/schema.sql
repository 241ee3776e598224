-- Concord log storage on PostgreSQL (docs/SPEC.md, Section 6).
-- Every statement is idempotent so that several servers may run it at start.

CREATE TABLE IF NOT EXISTS concord_meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);

-- The single row that serialises appends from every server (SPEC §6.3).
CREATE TABLE IF NOT EXISTS concord_head (
    id   integer PRIMARY KEY CHECK (id = 1),
    size bigint  NOT NULL CHECK (size >= 0)
);
INSERT INTO concord_head (id, size) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;

CREATE TABLE IF NOT EXISTS concord_leaves (
    idx  bigint PRIMARY KEY CHECK (idx >= 0),
    hash bytea  NOT NULL UNIQUE CHECK (length(hash) = 32),
    leaf bytea  NOT NULL
);

CREATE TABLE IF NOT EXISTS concord_hashes (
    idx  bigint PRIMARY KEY CHECK (idx >= 0),
    hash bytea  NOT NULL CHECK (length(hash) = 32)
);

CREATE TABLE IF NOT EXISTS concord_checkpoints (
    size bigint PRIMARY KEY CHECK (size >= 0),
    note bytea  NOT NULL
);

CREATE TABLE IF NOT EXISTS concord_cosignatures (
    size    bigint NOT NULL REFERENCES concord_checkpoints (size),
    witness text   NOT NULL,
    line    bytea  NOT NULL,
    PRIMARY KEY (size, witness)
);
