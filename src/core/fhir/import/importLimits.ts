/** Larger files are refused before parsing: the browser must stay responsive. */
export const maxImportBytes = 20 * 1024 * 1024

/**
 * The most resources one file may hold. A full Synthea patient has a few thousand; a file
 * of 100,000 tiny resources is refused at once, before any is validated.
 */
export const maxImportResources = 25_000
