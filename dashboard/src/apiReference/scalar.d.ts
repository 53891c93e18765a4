import type { AnyApiReferenceConfiguration } from '@scalar/types/api-reference';

/** Mounts Scalar's API reference on `root` (see scalar.js). */
export function createApiReference(root: Element, configuration: AnyApiReferenceConfiguration): unknown;
