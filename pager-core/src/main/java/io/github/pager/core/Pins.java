package io.github.pager.core;

import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The generations that open snapshots hold, for the reuse rule (see {@link PendingFrees}): a
 * multiset, safe for any thread.
 *
 * <p>Taking a pin and reading the oldest pin share one lock, so that a snapshot that read
 * generation G before a commit published G + 1 is registered before that commit decides what to
 * release: a commit publishes its record first and asks for the oldest pin after.
 */
final class Pins {
  private final TreeMap<Long, Integer> counts = new TreeMap<>();

  /** Reads the current record and pins its generation, as one step. */
  synchronized MetadataRecord pin(Supplier<MetadataRecord> current) {
    MetadataRecord record = current.get();
    counts.merge(record.generation, 1, Integer::sum);
    return record;
  }

  synchronized void unpin(long generation) {
    counts.computeIfPresent(generation, (g, n) -> n == 1 ? null : n - 1);
  }

  /** The oldest pinned generation, or {@link Long#MAX_VALUE} when nothing is pinned. */
  synchronized long oldest() {
    return counts.isEmpty() ? Long.MAX_VALUE : counts.firstKey();
  }

  synchronized int count() {
    return counts.values().stream().mapToInt(Integer::intValue).sum();
  }
}
