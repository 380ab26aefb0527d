// Whether a process still exists (signal 0 checks without sending anything): the tests that kill
// hanging commands check that nothing is left behind.
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
