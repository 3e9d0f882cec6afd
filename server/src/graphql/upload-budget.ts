/**
 * Memory for request bodies being read, budgeted in bytes: for the whole process and for each
 * account, so a few large requests (or one account's many) cannot pin the server's memory, and
 * the refusal comes before a body is read. A reservation is taken from the declared body size
 * and given back once the response is done.
 */
export class ByteBudget {
  private used = 0;
  private readonly byAccount = new Map<string, number>();

  constructor(
    readonly totalBytes: number,
    /** No one account may hold more than this much of the total at once. */
    readonly accountBytes: number,
  ) {
    if (!(totalBytes > 0) || !(accountBytes > 0) || accountBytes > totalBytes) {
      throw new RangeError('ByteBudget: need 0 < accountBytes <= totalBytes');
    }
  }

  /** Bytes reserved now, over every account. */
  get inUse(): number {
    return this.used;
  }

  /** Reserves `bytes` for `account`: a release function (idempotent), or null when either budget is spent. */
  reserve(account: string, bytes: number): (() => void) | null {
    const held = this.byAccount.get(account) ?? 0;
    if (this.used + bytes > this.totalBytes || held + bytes > this.accountBytes) return null;
    this.used += bytes;
    this.byAccount.set(account, held + bytes);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= bytes;
      const left = (this.byAccount.get(account) ?? 0) - bytes;
      if (left > 0) this.byAccount.set(account, left);
      else this.byAccount.delete(account);
    };
  }
}
