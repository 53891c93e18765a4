// Scalar itself, kept behind a declaration of the one function the page uses (scalar.d.ts): type-
// checking against Scalar's own declarations would load Vue's and more than double the
// dashboard's type-check time.
export { createApiReference } from '@scalar/api-reference';
