package io.github.pager.core;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The file's mapped regions, in file order: an immutable table that lets any thread find the
 * segment holding a page without a lock.
 *
 * <p>Growth never remaps: it appends a region and publishes a new table, so a segment taken from
 * an older table stays valid. Regions grow geometrically, which keeps the table short (a few
 * dozen entries even for files of many terabytes).
 */
final class RegionTable {
  static final RegionTable EMPTY = new RegionTable(new long[0], new MemorySegment[0]);

  /** Byte offset in the file where each region starts; strictly increasing, page aligned. */
  private final long[] starts;

  private final MemorySegment[] segments;

  private RegionTable(long[] starts, MemorySegment[] segments) {
    this.starts = starts;
    this.segments = segments;
  }

  /** Returns a table with one more region, starting where the last one ends. */
  RegionTable with(MemorySegment segment) {
    int n = starts.length;
    long[] newStarts = Arrays.copyOf(starts, n + 1);
    MemorySegment[] newSegments = Arrays.copyOf(segments, n + 1);
    newStarts[n] = end();
    newSegments[n] = segment;
    return new RegionTable(newStarts, newSegments);
  }

  /** The first region (the file from byte 0), or an empty segment when nothing is mapped. */
  MemorySegment first() {
    return segments.length == 0 ? MemorySegment.NULL : segments[0];
  }

  /** The byte offset one past the last mapped byte. */
  long end() {
    int n = starts.length;
    return n == 0 ? 0 : starts[n - 1] + segments[n - 1].byteSize();
  }

  /**
   * Returns the {@code length} bytes at file offset {@code offset}, which must lie in one region
   * (pages never straddle two, since regions are page aligned).
   */
  MemorySegment slice(long offset, long length) {
    int i = Arrays.binarySearch(starts, offset);
    if (i < 0) {
      i = -i - 2;
    }
    if (i < 0) {
      throw new IllegalArgumentException("offset " + offset + " is not mapped");
    }
    return segments[i].asSlice(offset - starts[i], length);
  }
}
