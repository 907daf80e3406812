package io.github.pager.core;

import static io.github.pager.core.Format.U64;

import java.lang.foreign.MemorySegment;
import org.jspecify.annotations.Nullable;

/** Reads and checks copy-on-write tree node pages: the one place that parses a node header. */
final class TreeNodes {
  private TreeNodes() {}

  /**
   * Reads the node at {@code page}, checking it against the CRC its parent recorded and against
   * the level and index the parent expects there.
   *
   * <p>The page is copied once and everything is checked on the copy: a page that another process
   * rewrites meanwhile either fails the check or is returned exactly as checked, never half of
   * each.
   *
   * @throws UnreadablePageException when the storage cannot read the page
   * @throws CorruptMetadataException when any check fails and the file's state explains it
   * @throws StaleViewException when a check fails because a writer has reused the page since the
   *     commit this (read-only) view reads
   */
  static long[] read(
      MappedFile file, TreeGeometry geometry, long page, int expectedCrc, int level, long index)
      throws PageFileException {
    byte[] bytes = new byte[geometry.pageSize()];
    PageFaults.read(file.page(page), 0, bytes, bytes.length, file.describe(), page, "tree node");
    MemorySegment copy = MemorySegment.ofArray(bytes);
    String problem = check(copy, expectedCrc, level, index);
    if (problem != null) {
      throw file.readFailure("page " + page + " " + problem);
    }
    long[] words = new long[geometry.pageSize() / 8];
    MemorySegment.copy(copy, U64, 0, words, 0, words.length);
    return words;
  }

  /**
   * Checks a node page's CRC and header against what its parent expects.
   *
   * @return what is wrong, or null when the node is as expected
   */
  static @Nullable String check(MemorySegment page, int expectedCrc, int level, long index) {
    int crc = Checksums.crc32c(page, 0, page.byteSize());
    if (crc != expectedCrc) {
      return "should hold tree node (level " + level + ", index " + index + ") but fails its checksum (expected "
          + Integer.toHexString(expectedCrc) + ", computed " + Integer.toHexString(crc) + ")";
    }
    int magic = page.get(Format.U32, Format.NODE_MAGIC);
    int storedLevel = page.get(Format.U32, Format.NODE_LEVEL);
    long storedIndex = page.get(U64, Format.NODE_INDEX);
    if (magic != Format.NODE_MAGIC_VALUE || storedLevel != level || storedIndex != index) {
      return "should hold tree node (level " + level + ", index " + index + ") but its header says level "
          + storedLevel + ", index " + storedIndex;
    }
    return null;
  }
}
