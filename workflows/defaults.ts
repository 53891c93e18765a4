// Defaults shared by the configuration (src/config.ts) and the workflows, which fall back to
// them for inputs recorded without the field. A plain module: workflows may import it.

/** One HTTP attempt, headers and body (CONTINUUM_DELIVERY_TIMEOUT). */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 30_000;

/** Beyond the HTTP timeout, time for an attempt activity to sign, record and report. */
export const ATTEMPT_OVERHEAD_MS = 5_000;

/** Bound on one attempt activity as configured by default. */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = DEFAULT_DELIVERY_TIMEOUT_MS + ATTEMPT_OVERHEAD_MS;

/** How long a delivery may be held by an open circuit in all (CONTINUUM_MAX_DELIVERY_AGE). */
export const DEFAULT_MAX_DELIVERY_AGE_MS = 72 * 3_600_000;
