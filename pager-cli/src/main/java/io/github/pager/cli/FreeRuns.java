package io.github.pager.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Free space as runs of consecutive free pages: how many, how long the longest is, a histogram
 * of their lengths in power-of-two buckets (1, 2-3, 4-7, ...), and a fragmentation figure.
 *
 * <p>Fragmentation is {@code 1 - largest run / free pages}: 0 when all free pages lie in one run
 * (an allocation of every free page at once, {@code allocRun}, could succeed without growing the
 * file), close to 1 when they are scattered in many small runs; 0 when nothing is free.
 */
final class FreeRuns {
  /** Bucket {@code k} holds runs of length {@code [2^k, 2^(k+1))}. */
  private final long[] runsByBucket = new long[64];

  private final long[] pagesByBucket = new long[64];
  private long runs;
  private long pages;
  private long largest;

  /** Counts one run. */
  void add(long length) {
    int bucket = 63 - Long.numberOfLeadingZeros(length);
    runsByBucket[bucket]++;
    pagesByBucket[bucket] += length;
    runs++;
    pages += length;
    largest = Math.max(largest, length);
  }

  long runs() {
    return runs;
  }

  long pages() {
    return pages;
  }

  long largest() {
    return largest;
  }

  /** {@code 1 - largest / pages}, 0 when nothing is free. */
  double fragmentation() {
    return pages == 0 ? 0 : 1 - (double) largest / pages;
  }

  /**
   * One bucket of the histogram: the runs whose length lies in {@code [from, to]}.
   *
   * @param from the shortest length it holds, a power of two
   * @param to the longest, one less than the next power of two
   * @param runs how many runs
   * @param pages how many pages those runs hold
   */
  record Bucket(long from, long to, long runs, long pages) {
    Map<String, Object> toJson() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("from", from);
      json.put("to", to);
      json.put("runs", runs);
      json.put("freePages", pages);
      return json;
    }
  }

  /** The buckets that hold a run, shortest first. */
  List<Bucket> histogram() {
    List<Bucket> buckets = new ArrayList<>();
    for (int k = 0; k < 64; k++) {
      if (runsByBucket[k] != 0) {
        buckets.add(new Bucket(1L << k, k == 63 ? Long.MAX_VALUE : (1L << (k + 1)) - 1, runsByBucket[k], pagesByBucket[k]));
      }
    }
    return buckets;
  }
}
