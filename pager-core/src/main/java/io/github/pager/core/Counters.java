package io.github.pager.core;

import java.util.concurrent.atomic.LongAdder;

/**
 * The running counts behind {@link Pager#counters()}: what the pager's commits wrote, the syncs it
 * issued and the growths of its file, since the file was opened or created.
 *
 * <p>Commits and growths happen under the writer lock, but a sync may come from any thread ({@link
 * Pager#sync()}) and the counts are read without the lock, so each count is a {@link LongAdder}:
 * uncontended, an add costs a few nanoseconds, next to a commit's tens of microseconds at least.
 * The counts are read one after the other, so a snapshot taken while a commit runs may show part
 * of it.
 */
final class Counters {
  private final LongAdder commits = new LongAdder();
  private final LongAdder emptyCommits = new LongAdder();
  private final LongAdder pagesWritten = new LongAdder();
  private final LongAdder nodePagesWritten = new LongAdder();
  private final LongAdder chainPagesWritten = new LongAdder();
  private final LongAdder syncs = new LongAdder();
  private final LongAdder wholeFileSyncs = new LongAdder();
  private final LongAdder bytesSynced = new LongAdder();
  private final LongAdder grows = new LongAdder();
  private final LongAdder groups = new LongAdder();
  private final LongAdder groupedCommits = new LongAdder();
  private final LongAdder records = new LongAdder();
  private final LongAdder openFallbacks = new LongAdder();

  /** A commit is durable; it wrote {@code nodes} tree nodes and {@code chainPages} chain pages. */
  void committed(int nodes, int chainPages, boolean superblockRewritten) {
    commits.increment();
    nodePagesWritten.add(nodes);
    chainPagesWritten.add(chainPages);
    pagesWritten.add(nodes + chainPages + (superblockRewritten ? 1 : 0));
  }

  /** A flush made a group of {@code members} commits durable, writing one record when any had one. */
  void flushedGroup(int members, boolean recordWritten) {
    groups.increment();
    groupedCommits.add(members);
    if (recordWritten) {
      records.increment();
      pagesWritten.increment();
    }
  }

  /** A commit had nothing to record: it only synced page writes, or nothing with durability NONE. */
  void committedNothing() {
    emptyCommits.increment();
  }

  /** A sync of one range was issued. */
  void syncedRange(long length) {
    syncs.increment();
    bytesSynced.add(length);
  }

  /** A sync of the whole file was issued. */
  void syncedAll() {
    syncs.increment();
    wholeFileSyncs.increment();
  }

  void grew() {
    grows.increment();
  }

  void fellBack() {
    openFallbacks.increment();
  }

  PagerCounters snapshot() {
    return new PagerCounters(
        commits.sum(), emptyCommits.sum(), pagesWritten.sum(), nodePagesWritten.sum(), chainPagesWritten.sum(),
        syncs.sum(), wholeFileSyncs.sum(), bytesSynced.sum(), grows.sum(), openFallbacks.sum(),
        records.sum(), groups.sum(), groupedCommits.sum());
  }
}
