package io.github.pager.kv;

import java.lang.foreign.MemorySegment;

/**
 * A key being looked up: its bytes, and the same bytes as a segment, which {@link
 * MemorySegment#mismatch} compares against a node's cells without copying them.
 */
final class SearchKey {
  private final byte[] bytes;
  private final MemorySegment segment;

  private SearchKey(byte[] bytes) {
    this.bytes = bytes;
    this.segment = MemorySegment.ofArray(bytes);
  }

  static SearchKey of(byte[] key) {
    return new SearchKey(key);
  }

  byte[] bytes() {
    return bytes;
  }

  MemorySegment segment() {
    return segment;
  }

  int length() {
    return bytes.length;
  }
}
