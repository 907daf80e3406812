package io.github.pager.core;

import static io.github.pager.core.Format.U64;

import java.lang.foreign.MemorySegment;

/** Reads and checks free-space tree node pages: the one place that parses a node header. */
final class TreeNodes {
  private TreeNodes() {}

  /**
   * Reads the node at {@code page}, checking it against the CRC its parent recorded and against
   * the level and index the parent expects there.
   *
   * @throws CorruptMetadataException when any check fails
   */
  static long[] read(
      MappedFile file, TreeGeometry geometry, long page, int expectedCrc, int level, long index)
      throws CorruptMetadataException {
    MemorySegment segment = file.page(page);
    int crc = Checksums.crc32c(segment, 0, geometry.pageSize());
    if (crc != expectedCrc) {
      throw new CorruptMetadataException(
          file.describe() + ": free-space tree node (level " + level + ", index " + index
              + ") at page " + page + " fails its checksum (expected "
              + Integer.toHexString(expectedCrc) + ", computed " + Integer.toHexString(crc) + ")");
    }
    long[] words = new long[geometry.pageSize() / 8];
    MemorySegment.copy(segment, U64, 0, words, 0, words.length);
    int magic = (int) words[0];
    int storedLevel = (int) (words[0] >>> 32);
    if (magic != Format.NODE_MAGIC_VALUE || storedLevel != level || words[1] != index) {
      throw new CorruptMetadataException(
          file.describe() + ": page " + page + " should hold free-space tree node (level " + level
              + ", index " + index + ") but its header says level " + storedLevel + ", index "
              + words[1]);
    }
    return words;
  }
}
