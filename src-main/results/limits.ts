/** Sizes the Results area accepts, shared by the core's checks and the window's early messages. */

/** The largest table text accepted, in characters: far above any published results table, well under the WebSocket frame limit. */
export const MAX_TABLE_CHARS = 8 * 1024 * 1024

/** Largest model or firmware file sent as bytes: under the loopback WebSocket's 16 MiB frame; bigger files go by path. */
export const MAX_MODEL_BYTES = 15 * 1024 * 1024
