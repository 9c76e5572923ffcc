import type { Migration } from '../store/migrations'

/**
 * Tables of benchmark runs. A run is matched across workspaces by its UUID (workspaces are merged later)
 * and keeps its recording's UUID beside the local id, so the link survives a merge. Segments hold every
 * idle window, infer window, inference and stage with its figures, so the Results screen can query them
 * without re-running the analysis; tags are a table of their own so it can filter by them in SQL.
 */
export const RUNS_MIGRATIONS: Migration[] = [
  {
    name: 'runs/001-runs',
    sql: `
    CREATE TABLE runs (
      id INTEGER PRIMARY KEY,
      uuid TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      mode TEXT NOT NULL CHECK (mode IN ('performance', 'energy', 'capture')),
      state TEXT NOT NULL CHECK (state IN ('running', 'finished', 'failed', 'cancelled', 'interrupted')),
      state_reason TEXT,
      plan_json TEXT NOT NULL,
      model_name TEXT NOT NULL,
      model_macs INTEGER,
      model_params INTEGER,
      recording_id INTEGER REFERENCES recordings (id) ON DELETE SET NULL,
      recording_uuid TEXT,
      -- Identity, settings and calibration (id and snapshot) of every instrument the run used.
      instruments_json TEXT NOT NULL DEFAULT '[]',
      summary_json TEXT,
      notes_json TEXT NOT NULL DEFAULT '[]',
      dropped_json TEXT NOT NULL DEFAULT '[]',
      software_version TEXT NOT NULL,
      started_at TEXT NOT NULL,
      finished_at TEXT,
      updated_at TEXT NOT NULL,
      writer_pid INTEGER,
      writer_host TEXT
    );
    CREATE INDEX runs_started ON runs (started_at);
    CREATE INDEX runs_recording ON runs (recording_id);

    CREATE TABLE run_tags (
      run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      PRIMARY KEY (run_id, key, value)
    ) WITHOUT ROWID;
    CREATE INDEX run_tags_value ON run_tags (key, value);

    CREATE TABLE run_segments (
      run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('idle', 'window', 'inference', 'stage')),
      label TEXT NOT NULL,
      inference_index INTEGER,
      window_index INTEGER,
      role TEXT NOT NULL CHECK (role IN ('measured', 'warmup', 'outside')),
      start_index INTEGER,
      end_index INTEGER,
      start_s REAL,
      end_s REAL,
      duration_s REAL,
      charge_c REAL,
      energy_j REAL,
      net_energy_j REAL,
      average_current_a REAL,
      average_power_w REAL,
      peak_current_a REAL,
      peak_power_w REAL,
      missing_samples INTEGER,
      inference_count INTEGER,
      energy_per_inference_j REAL,
      latency_per_inference_s REAL,
      dut_latency_per_inference_s REAL,
      PRIMARY KEY (run_id, seq)
    ) WITHOUT ROWID;
    CREATE INDEX run_segments_kind ON run_segments (run_id, kind);
    `
  },
  {
    // Stage logs: the lines a run collected (with their arrival times) are kept with it, and an
    // inference whose stages could not be placed is kept but left out of the statistics
    // ("excluded"). SQLite cannot widen a CHECK in place, so run_segments is rebuilt.
    name: 'runs/002-stage-logs',
    sql: `
    CREATE TABLE run_segments_new (
      run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('idle', 'window', 'inference', 'stage')),
      label TEXT NOT NULL,
      inference_index INTEGER,
      window_index INTEGER,
      role TEXT NOT NULL CHECK (role IN ('measured', 'warmup', 'outside', 'excluded')),
      start_index INTEGER,
      end_index INTEGER,
      start_s REAL,
      end_s REAL,
      duration_s REAL,
      charge_c REAL,
      energy_j REAL,
      net_energy_j REAL,
      average_current_a REAL,
      average_power_w REAL,
      peak_current_a REAL,
      peak_power_w REAL,
      missing_samples INTEGER,
      inference_count INTEGER,
      energy_per_inference_j REAL,
      latency_per_inference_s REAL,
      dut_latency_per_inference_s REAL,
      PRIMARY KEY (run_id, seq)
    ) WITHOUT ROWID;
    INSERT INTO run_segments_new SELECT run_id, seq, kind, label, inference_index, window_index, role, start_index, end_index, start_s, end_s,
      duration_s, charge_c, energy_j, net_energy_j, average_current_a, average_power_w, peak_current_a, peak_power_w, missing_samples,
      inference_count, energy_per_inference_j, latency_per_inference_s, dut_latency_per_inference_s FROM run_segments;
    DROP TABLE run_segments;
    ALTER TABLE run_segments_new RENAME TO run_segments;
    CREATE INDEX run_segments_kind ON run_segments (run_id, kind);
    ALTER TABLE runs ADD COLUMN stage_log_json TEXT;
    `
  }
]
