package io.github.pager.core;

import static io.github.pager.core.Format.MD_CRC;
import static io.github.pager.core.Format.MD_FREE_COUNT;
import static io.github.pager.core.Format.MD_GENERATION;
import static io.github.pager.core.Format.MD_LENGTH;
import static io.github.pager.core.Format.MD_MAGIC;
import static io.github.pager.core.Format.MD_MAGIC_VALUE;
import static io.github.pager.core.Format.MD_PAGE_COUNT;
import static io.github.pager.core.Format.MD_ROOTS;
import static io.github.pager.core.Format.MD_TREE_HEIGHT;
import static io.github.pager.core.Format.MD_TREE_ROOT;
import static io.github.pager.core.Format.MD_TREE_ROOT_CRC;
import static io.github.pager.core.Format.ROOT_SLOTS;
import static io.github.pager.core.Format.U32;
import static io.github.pager.core.Format.U64;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One metadata record: the allocation state a commit makes durable. Two copies live in pages 1
 * and 2; the superblock names the active one, and a commit only ever writes the other.
 *
 * <p>Immutable: a commit builds a new record rather than changing one.
 */
final class MetadataRecord {
  final long generation;
  final long pageCount;
  final long freeCount;
  final long treeRoot;
  final int treeRootCrc;
  final int treeHeight;
  private final long[] roots;

  MetadataRecord(
      long generation,
      long pageCount,
      long freeCount,
      long treeRoot,
      int treeRootCrc,
      int treeHeight,
      long[] roots) {
    if (roots.length != ROOT_SLOTS) {
      throw new IllegalArgumentException("expected " + ROOT_SLOTS + " root values, got " + roots.length);
    }
    this.generation = generation;
    this.pageCount = pageCount;
    this.freeCount = freeCount;
    this.treeRoot = treeRoot;
    this.treeRootCrc = treeRootCrc;
    this.treeHeight = treeHeight;
    this.roots = roots.clone();
  }

  long root(int slot) {
    return roots[slot];
  }

  long[] roots() {
    return roots.clone();
  }

  /**
   * Decodes and checks the record at the start of {@code page}.
   *
   * @return the record
   * @throws IllegalArgumentException naming the first check that failed; callers turn it into a
   *     {@link CorruptMetadataException} only when no other copy can be used
   */
  static MetadataRecord decode(MemorySegment page, long pageSize) {
    if (page.get(U64, MD_MAGIC) != MD_MAGIC_VALUE) {
      throw new IllegalArgumentException("no metadata magic");
    }
    int stored = page.get(U32, MD_CRC);
    int actual = Checksums.crc32c(page, 0, MD_CRC);
    if (stored != actual) {
      throw new IllegalArgumentException(
          "checksum mismatch (stored " + Integer.toHexString(stored) + ", computed "
              + Integer.toHexString(actual) + ")");
    }
    long[] roots = new long[ROOT_SLOTS];
    for (int i = 0; i < ROOT_SLOTS; i++) {
      roots[i] = page.get(U64, MD_ROOTS + 8L * i);
    }
    MetadataRecord record =
        new MetadataRecord(
            page.get(U64, MD_GENERATION),
            page.get(U64, MD_PAGE_COUNT),
            page.get(U64, MD_FREE_COUNT),
            page.get(U64, MD_TREE_ROOT),
            page.get(U32, MD_TREE_ROOT_CRC),
            page.get(U32, MD_TREE_HEIGHT),
            roots);
    record.checkPlausible(pageSize);
    return record;
  }

  private void checkPlausible(long pageSize) {
    if (pageCount < Format.FIRST_DATA_PAGE + 1 || pageCount > Format.MAX_PAGE_COUNT) {
      throw new IllegalArgumentException("page count " + pageCount + " out of range");
    }
    if (freeCount < 0 || freeCount > pageCount) {
      throw new IllegalArgumentException("free count " + freeCount + " exceeds page count " + pageCount);
    }
    if (treeRoot < Format.FIRST_DATA_PAGE || treeRoot >= pageCount) {
      throw new IllegalArgumentException("free-space tree root " + treeRoot + " out of range");
    }
    if (treeHeight < 1 || treeHeight > Format.MAX_TREE_HEIGHT
        || TreeGeometry.of(pageSize).capacity(treeHeight) < pageCount) {
      throw new IllegalArgumentException("free-space tree height " + treeHeight + " cannot cover " + pageCount + " pages");
    }
  }

  /**
   * Writes the record, with its CRC, into the first {@link Format#MD_LENGTH} bytes of {@code page}.
   *
   * @return the CRC written, which the superblock must name
   */
  int encodeTo(MemorySegment page) {
    page.asSlice(0, MD_LENGTH).fill((byte) 0);
    page.set(U64, MD_MAGIC, MD_MAGIC_VALUE);
    page.set(U64, MD_GENERATION, generation);
    page.set(U64, MD_PAGE_COUNT, pageCount);
    page.set(U64, MD_FREE_COUNT, freeCount);
    page.set(U64, MD_TREE_ROOT, treeRoot);
    page.set(U32, MD_TREE_ROOT_CRC, treeRootCrc);
    page.set(U32, MD_TREE_HEIGHT, treeHeight);
    for (int i = 0; i < ROOT_SLOTS; i++) {
      page.set(U64, MD_ROOTS + 8L * i, roots[i]);
    }
    int crc = Checksums.crc32c(page, 0, MD_CRC);
    page.set(U32, MD_CRC, crc);
    return crc;
  }

  @Override
  public String toString() {
    return "MetadataRecord[generation=" + generation + ", pageCount=" + pageCount + ", freeCount="
        + freeCount + ", treeRoot=" + treeRoot + ", treeHeight=" + treeHeight + ", roots="
        + Arrays.toString(roots) + "]";
  }
}
