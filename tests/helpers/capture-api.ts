/** The API test helpers moved to ./api (they serve every area, not only capture); this name stays for branches still importing it. */
export * from './api'
