/** The error `f` throws, for tests that look at more than its message; fails the test when nothing is thrown. */
export function catchError(f: () => unknown): Error {
  try {
    f()
  } catch (e) {
    return e as Error
  }
  throw new Error('expected an error')
}
