/**
 * Registers every instrument family's raw-word decoder with the recording store, so any host can read,
 * view and recompute any recording without having opened its instrument. Hosts import this once.
 */
import './lpm01a/raw-format'
import './ppk2/raw-format'
