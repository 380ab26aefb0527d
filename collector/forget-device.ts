// Forgetting a decommissioned device: its token (refused from now on), its saved state, its place
// in the device store (so its series leave /metrics, its target leaves /sd and /api/devices) and its
// badge states. Its event, inspection and maintenance history stays: the period reports and CSV
// exports of the time it was in service still need it. A device whose token is in the configuration
// file, or an SNMP target, is configured there and is removed there (then forgotten here, if its
// saved state should go too).
import type { StatusService } from './status/service.js';

export type ForgetOutcome = { forgotten: string } | { refused: 'not_found' | 'configured' };

export async function forgetDevice(svc: StatusService, name: string): Promise<ForgetOutcome> {
  const { ctx } = svc;
  const d = ctx.store.get(name);
  if (d?.configured) return { refused: 'configured' };
  if (!d && !(await ctx.enrolment.hasRecord(name))) return { refused: 'not_found' };
  // The token first: from here on the device's reports are refused, so nothing re-creates it.
  await ctx.db.transaction(async (tx) => {
    await tx.enrolment.forget(name);
    await tx.devices.forget(name);
  });
  // A save still queued or under way (a report accepted just before) is dropped or deleted after it.
  await ctx.deviceState.forget(name);
  ctx.store.forget(name);
  ctx.knownTokens.forgetDevice(name);
  ctx.history?.forget(name);
  await svc.monitor.forget(name);
  await svc.inspections.forgetFirstSeen(name);
  // A fresh evaluation, so the page and /api/v1/status no longer show it.
  await svc.monitor.tick();
  await svc.monitor.forget(name); // in case an evaluation already under way recorded it again
  svc.log.info({ device: name }, 'device forgotten');
  return { forgotten: name };
}
