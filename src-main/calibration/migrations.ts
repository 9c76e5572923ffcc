import type { Migration } from '../store/migrations'

/**
 * Calibration records, one row per calibration of one instrument unit (family + serial).
 * The measured points, fits and uncertainty live in `document` (JSON, validated on read);
 * the columns are what queries need: which unit, when, when due, verdict, whether in force.
 */
export const calibrationMigrations: Migration[] = [
  {
    name: 'calibration/001-records',
    sql: `CREATE TABLE calibration_records (
      id TEXT PRIMARY KEY,
      instrument_family TEXT NOT NULL,
      instrument_serial TEXT NOT NULL,
      instrument_model TEXT NOT NULL,
      instrument_firmware TEXT,
      performed_at TEXT NOT NULL,
      due_at TEXT NOT NULL,
      verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'incomplete')),
      -- 0 when the user chose not to apply this record's corrections to captures
      in_force INTEGER NOT NULL DEFAULT 1 CHECK (in_force IN (0, 1)),
      written_to_device INTEGER NOT NULL DEFAULT 0 CHECK (written_to_device IN (0, 1)),
      operator TEXT,
      notes TEXT NOT NULL DEFAULT '',
      document TEXT NOT NULL
    );
    CREATE INDEX calibration_records_unit ON calibration_records (instrument_family, instrument_serial, performed_at);
    CREATE INDEX calibration_records_due ON calibration_records (due_at);`
  }
]
