/** Runs task(i) for every i in [0, n) with at most `width` in flight, in index order. */
export async function pool(
  n: number,
  width: number,
  task: (i: number) => Promise<unknown>,
  /** Called after every 1,000th completed task with the count done (progress lines). */
  onThousand?: (done: number) => void,
): Promise<void> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < n) {
      await task(next++);
      done++;
      if (onThousand && done % 1000 === 0) onThousand(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, n) }, worker));
}
