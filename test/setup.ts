import { Runtime, makeTelemetryFilterString, DefaultLogger } from '@temporalio/worker';
import { setupInfra, teardownInfra } from './helpers/infra';

/** Mocha global fixtures: start the shared servers once for the whole run. */
export async function mochaGlobalSetup(): Promise<void> {
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }), forward: {} } },
  });
  await setupInfra();
}

export async function mochaGlobalTeardown(): Promise<void> {
  await teardownInfra();
}
