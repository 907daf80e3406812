package io.github.pager.core;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A small cache of free-space tree nodes read from disk, so that a search down the tree does not
 * re-copy and re-checksum the same upper nodes on every allocation.
 *
 * <p>Entries are keyed by page and carry the CRC they were verified against. A hit requires the
 * caller's expected CRC (taken from the parent entry) to match, so a page that was freed and
 * reused since it was cached is simply read again. Cached arrays are never modified: callers that
 * change a node copy it first.
 */
final class NodeCache {
  private static final int CAPACITY = 256;

  private static final class CachedNode {
    final int crc;
    final long[] words;

    CachedNode(int crc, long[] words) {
      this.crc = crc;
      this.words = words;
    }
  }

  private final Map<Long, CachedNode> entries =
      new LinkedHashMap<>(CAPACITY * 2, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, CachedNode> eldest) {
          return size() > CAPACITY;
        }
      };

  /** Returns the cached words of {@code page} if they were verified against {@code crc}. */
  long @Nullable [] get(long page, int crc) {
    CachedNode entry = entries.get(page);
    return entry != null && entry.crc == crc ? entry.words : null;
  }

  void put(long page, int crc, long[] words) {
    entries.put(page, new CachedNode(crc, words));
  }
}
