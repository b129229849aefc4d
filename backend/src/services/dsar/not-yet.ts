/** A request that cannot go on yet (e.g. a recording still being processed): worked again soon, not counted as a failure. */
export class DsarNotYet extends Error {
  override readonly name: string = 'DsarNotYet';
}
