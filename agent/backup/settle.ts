// Is a backup file finished? Nothing portable says whether another program still writes a file, so
// a file counts as finished once its size and modification time have stayed the same for the settle
// time. Fed by file-watch events and rescans alike; the caller stats, this only remembers and decides.

interface Look {
  size: number;
  mtimeMs: number;
  sinceMono: number;
}

export class Settler {
  private readonly pending = new Map<string, Look>();

  constructor(
    private readonly settleMs: number,
    private readonly monoMs: () => number,
  ) {}

  /** Records how the file looks now; true once it has looked the same for the settle time. */
  observe(path: string, size: number, mtimeMs: number): boolean {
    const now = this.monoMs();
    const seen = this.pending.get(path);
    if (!seen || seen.size !== size || seen.mtimeMs !== mtimeMs) {
      this.pending.set(path, { size, mtimeMs, sinceMono: now });
      return false;
    }
    return now - seen.sinceMono >= this.settleMs;
  }

  forget(path: string): void {
    this.pending.delete(path);
  }

  /** Files still waiting to settle. */
  paths(): string[] {
    return [...this.pending.keys()];
  }
}
