import type { Migration } from './migrations'

/**
 * Tables of the recording store. Samples live in compressed chunks (one row per stream per stretch of
 * samples); summaries live in pages of 256 entries per level, so a view or an integral over any span
 * reads a few pages instead of millions of rows.
 */
export const RECORDING_MIGRATIONS: Migration[] = [
  {
    name: 'store/001-recordings',
    sql: `
    CREATE TABLE recordings (
      id INTEGER PRIMARY KEY,
      uuid TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      started_at TEXT NOT NULL,
      started_at_ms REAL NOT NULL,
      -- NULL for variable-rate recordings (imports with uneven steps): their times are a stored stream.
      sample_period_s REAL,
      instrument_json TEXT NOT NULL,
      supply_v REAL,
      state TEXT NOT NULL CHECK (state IN ('recording', 'finished', 'interrupted', 'recovered')),
      state_reason TEXT,
      raw_format TEXT,
      calibration_id TEXT,
      calibration_json TEXT,
      channels_json TEXT NOT NULL,
      source_json TEXT,
      notes TEXT NOT NULL DEFAULT '',
      tags_json TEXT NOT NULL DEFAULT '[]',
      sample_count INTEGER NOT NULL DEFAULT 0,
      gap_samples INTEGER NOT NULL DEFAULT 0,
      stored_bytes INTEGER NOT NULL DEFAULT 0,
      writer_pid INTEGER,
      writer_host TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      ended_at TEXT
    );
    CREATE INDEX recordings_state ON recordings (state);

    CREATE TABLE recording_chunks (
      recording_id INTEGER NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
      stream TEXT NOT NULL,
      start_index INTEGER NOT NULL,
      count INTEGER NOT NULL,
      codec TEXT NOT NULL,
      -- First sample time in seconds, for the 'time' stream of variable-rate recordings (time → index look-ups).
      t0_s REAL,
      data BLOB NOT NULL,
      PRIMARY KEY (recording_id, stream, start_index)
    ) WITHOUT ROWID;
    CREATE INDEX recording_chunks_time ON recording_chunks (recording_id, stream, t0_s) WHERE t0_s IS NOT NULL;

    CREATE TABLE recording_summaries (
      recording_id INTEGER NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
      channel TEXT NOT NULL,
      level INTEGER NOT NULL,
      page INTEGER NOT NULL,
      entries INTEGER NOT NULL,
      data BLOB NOT NULL,
      PRIMARY KEY (recording_id, channel, level, page)
    ) WITHOUT ROWID;

    CREATE TABLE recording_gaps (
      recording_id INTEGER NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
      start_index INTEGER NOT NULL,
      count INTEGER NOT NULL,
      reason TEXT NOT NULL,
      PRIMARY KEY (recording_id, start_index)
    ) WITHOUT ROWID;

    CREATE TABLE recording_marks (
      id INTEGER PRIMARY KEY,
      recording_id INTEGER NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
      sample_index INTEGER NOT NULL,
      label TEXT NOT NULL
    );
    CREATE INDEX recording_marks_by_recording ON recording_marks (recording_id, sample_index);

    CREATE TABLE recording_warnings (
      id INTEGER PRIMARY KEY,
      recording_id INTEGER NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
      sample_index INTEGER NOT NULL,
      at TEXT NOT NULL,
      message TEXT NOT NULL
    );
    `
  },
  {
    // Raw chunks of formats whose conversion carries state from word to word (the PPK2's spike filter):
    // that state at the chunk's first word, as JSON, so a read of the chunk alone gives the values a
    // decoding of the whole recording gives. NULL: start afresh (stateless formats, older recordings).
    name: 'store/002-chunk-decoder-state',
    sql: `ALTER TABLE recording_chunks ADD COLUMN decoder_state TEXT;`
  }
]
