import { api, type ConnectionState } from './api'

/** Connection state of the core, for the status bar. */
export const connection = $state<{ state: ConnectionState; error: string | null }>({ state: api.state, error: null })

api.onState((s) => {
  connection.state = s
  connection.error = api.lastError
})
