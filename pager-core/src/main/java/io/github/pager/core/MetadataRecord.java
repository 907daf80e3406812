package io.github.pager.core;

import static io.github.pager.core.Format.MD_CRC;
import static io.github.pager.core.Format.MD_FREE_COUNT;
import static io.github.pager.core.Format.MD_GENERATION;
import static io.github.pager.core.Format.MD_LENGTH;
import static io.github.pager.core.Format.MD_MAGIC;
import static io.github.pager.core.Format.MD_MAGIC_VALUE;
import static io.github.pager.core.Format.MD_PAGE_COUNT;
import static io.github.pager.core.Format.MD_PAGE_SIZE_LOG2;
import static io.github.pager.core.Format.MD_PENDING_CRC;
import static io.github.pager.core.Format.MD_PENDING_HEAD;
import static io.github.pager.core.Format.MD_ROOTS;
import static io.github.pager.core.Format.MD_TREE_HEIGHT;
import static io.github.pager.core.Format.MD_TREE_ROOT;
import static io.github.pager.core.Format.MD_TREE_ROOT_CRC;
import static io.github.pager.core.Format.ROOT_SLOTS;
import static io.github.pager.core.Format.U32;
import static io.github.pager.core.Format.U64;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * One metadata record: the allocation state a commit makes durable. Two copies live in pages 1
 * and 2; the valid one with the higher generation is current, and a commit only ever writes the
 * other. Writing a record is what makes a commit visible: it fits in one sector, and its CRC
 * tells a whole record from a torn one.
 *
 * <p>Immutable: a commit builds a new record rather than changing one. Records are decoded from a
 * private copy of their bytes, never field by field from the live mapping, so that a record
 * another process is rewriting cannot pass its check and then be read as something else.
 */
final class MetadataRecord {
  final long generation;
  final long pageCount;
  final long freeCount;
  final long treeRoot;
  final int treeRootCrc;
  final int treeHeight;
  private final long[] roots;

  /** Where the pending list starts: its first page and that page's CRC32C; page 0 when empty. */
  final PendingList.Location pendingList;

  MetadataRecord(
      long generation,
      long pageCount,
      long freeCount,
      long treeRoot,
      int treeRootCrc,
      int treeHeight,
      long[] roots,
      PendingList.Location pendingList) {
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
    this.pendingList = pendingList;
  }

  long root(int slot) {
    return roots[slot];
  }

  long[] roots() {
    return roots.clone();
  }

  /**
   * Copies the record bytes at the start of {@code page} into a private array: every check and
   * every field read afterwards uses the copy.
   */
  static byte[] copyOf(MemorySegment page) {
    byte[] bytes = new byte[MD_LENGTH];
    MemorySegment.copy(page, ValueLayout.JAVA_BYTE, 0, bytes, 0, MD_LENGTH);
    return bytes;
  }

  /**
   * Decodes and checks a record copied with {@link #copyOf}.
   *
   * @param bytes the record's {@link Format#MD_LENGTH} bytes
   * @param pageSize the page size the file uses; the record must name the same
   * @return the record
   * @throws IllegalArgumentException naming the first check that failed; callers turn it into a
   *     {@link CorruptMetadataException} only when no other copy can be used
   */
  static MetadataRecord decode(byte[] bytes, long pageSize) {
    MemorySegment page = MemorySegment.ofArray(bytes);
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
    int pageSizeLog2 = page.get(U32, MD_PAGE_SIZE_LOG2);
    if (pageSizeLog2 != Integer.numberOfTrailingZeros((int) pageSize) || (1L << pageSizeLog2) != pageSize) {
      throw new IllegalArgumentException("names page size 2^" + pageSizeLog2 + ", not " + pageSize);
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
            roots,
            new PendingList.Location(page.get(U64, MD_PENDING_HEAD), page.get(U32, MD_PENDING_CRC)));
    record.checkPlausible(pageSize);
    return record;
  }

  /** The CRC stored in a record's bytes, whether or not it matches. */
  static int storedCrc(byte[] bytes) {
    return MemorySegment.ofArray(bytes).get(U32, MD_CRC);
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
    long pendingHead = pendingList.head();
    if (pendingHead != 0 && (pendingHead < Format.FIRST_DATA_PAGE || pendingHead >= pageCount)) {
      throw new IllegalArgumentException("pending list head " + pendingHead + " out of range");
    }
    if (pendingHead == 0 && pendingList.crc() != 0) {
      throw new IllegalArgumentException("no pending list, but a pending list checksum");
    }
  }

  /**
   * Encodes the record, with its CRC, into a private array of {@link Format#MD_LENGTH} bytes.
   *
   * @param pageSize the file's page size, which every record repeats
   */
  byte[] encode(int pageSize) {
    byte[] bytes = new byte[MD_LENGTH];
    MemorySegment page = MemorySegment.ofArray(bytes);
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
    page.set(U64, MD_PENDING_HEAD, pendingList.head());
    page.set(U32, MD_PENDING_CRC, pendingList.crc());
    page.set(U32, MD_PAGE_SIZE_LOG2, Integer.numberOfTrailingZeros(pageSize));
    page.set(U32, MD_CRC, Checksums.crc32c(page, 0, MD_CRC));
    return bytes;
  }

  /**
   * Stores the encoded record at the start of a metadata page, in one copy. A process killed
   * during the copy leaves a record that fails its CRC, which open treats as a commit that never
   * happened.
   */
  void writeTo(MemorySegment page, int pageSize) {
    byte[] bytes = encode(pageSize);
    MemorySegment.copy(bytes, 0, page, ValueLayout.JAVA_BYTE, 0, bytes.length);
  }

  @Override
  public String toString() {
    return "MetadataRecord[generation=" + generation + ", pageCount=" + pageCount + ", freeCount="
        + freeCount + ", treeRoot=" + treeRoot + ", treeHeight=" + treeHeight + ", roots="
        + Arrays.toString(roots) + ", pendingList=" + pendingList.head() + "]";
  }
}
