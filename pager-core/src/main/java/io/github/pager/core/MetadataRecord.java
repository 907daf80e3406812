package io.github.pager.core;

import static io.github.pager.core.Format.MD_CRC;
import static io.github.pager.core.Format.MD_FREE_COUNT;
import static io.github.pager.core.Format.MD_GENERATION;
import static io.github.pager.core.Format.MD_INLINE_RUNS;
import static io.github.pager.core.Format.MD_INLINE_RUN_COUNT;
import static io.github.pager.core.Format.MD_MAGIC;
import static io.github.pager.core.Format.MD_MAGIC_VALUE;
import static io.github.pager.core.Format.MD_PAGE_COUNT;
import static io.github.pager.core.Format.MD_PAGE_SIZE_LOG2;
import static io.github.pager.core.Format.MD_PENDING_CRC;
import static io.github.pager.core.Format.MD_PENDING_HEAD;
import static io.github.pager.core.Format.MD_PENDING_PAGES;
import static io.github.pager.core.Format.MD_RELEASED_THROUGH;
import static io.github.pager.core.Format.MD_ROOTS;
import static io.github.pager.core.Format.MD_TREE_HEIGHT;
import static io.github.pager.core.Format.MD_TREE_ROOT;
import static io.github.pager.core.Format.MD_TREE_ROOT_CRC;
import static io.github.pager.core.Format.PL_RUN_SIZE;
import static io.github.pager.core.Format.ROOT_SLOTS;
import static io.github.pager.core.Format.U32;
import static io.github.pager.core.Format.U64;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One metadata record: the allocation state a commit makes durable. Two copies live in pages 1
 * and 2; the valid one with the higher generation is current, and a commit only ever writes the
 * other. Writing a record is what makes a commit visible: its CRC, over every byte of it, tells a
 * whole record from a torn one. Its length varies with the pending runs it holds inline (see
 * {@link PendingList}).
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

  /** The pending list's runs held inline, and where its chain starts and ends. */
  final PendingList.Root pendingList;

  MetadataRecord(
      long generation,
      long pageCount,
      long freeCount,
      long treeRoot,
      int treeRootCrc,
      int treeHeight,
      long[] roots,
      PendingList.Root pendingList) {
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

  /** How many runs a record holds inline in a metadata page of {@code pageSize} bytes. */
  static int inlineRunCapacity(long pageSize) {
    return (int) ((pageSize - MD_INLINE_RUNS) / PL_RUN_SIZE);
  }

  /**
   * Copies the record bytes at the start of {@code page} into a private array: every check and
   * every field read afterwards uses the copy. The length comes from the inline run count, read
   * first; the copy repeats it, and {@link #decode} refuses a copy whose count disagrees with its
   * length (a record rewritten between the two reads).
   *
   * @throws UnreadablePageException when the storage cannot read the page
   */
  static byte[] copyOf(MemorySegment page, String resource, long pageIndex) throws UnreadablePageException {
    String what = "metadata copy " + PageFileOpener.slotName((int) pageIndex);
    byte[] countField = new byte[4];
    PageFaults.read(page, MD_INLINE_RUN_COUNT, countField, countField.length, resource, pageIndex, what);
    int count = MemorySegment.ofArray(countField).get(U32, 0);
    int runs = Math.clamp(count, 0, inlineRunCapacity(page.byteSize()));
    byte[] bytes = new byte[MD_INLINE_RUNS + runs * PL_RUN_SIZE];
    PageFaults.read(page, 0, bytes, bytes.length, resource, pageIndex, what);
    return bytes;
  }

  /**
   * Decodes and checks a record copied with {@link #copyOf}.
   *
   * @param bytes the record's bytes
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
    int count = page.get(U32, MD_INLINE_RUN_COUNT);
    if (count < 0 || count > inlineRunCapacity(pageSize)) {
      throw new IllegalArgumentException(
          "counts " + Integer.toUnsignedString(count) + " inline pending runs, more than the page holds");
    }
    if (bytes.length != MD_INLINE_RUNS + count * PL_RUN_SIZE) {
      throw new IllegalArgumentException("changed while it was read (its inline run count changed)");
    }
    int stored = page.get(U32, MD_CRC);
    int actual = Checksums.crc32cSkipping(bytes, MD_CRC);
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
            new PendingList.Root(
                page.get(U64, MD_PENDING_HEAD),
                page.get(U32, MD_PENDING_CRC),
                page.get(U32, MD_PENDING_PAGES),
                page.get(U64, MD_RELEASED_THROUGH),
                inlineRuns(page, count)));
    record.checkPlausible(pageSize);
    return record;
  }

  private static List<PendingList.Run> inlineRuns(MemorySegment page, int count) {
    List<PendingList.Run> runs = new ArrayList<>(count);
    for (int r = 0; r < count; r++) {
      runs.add(PendingList.decode(page, MD_INLINE_RUNS + (long) r * PL_RUN_SIZE));
    }
    return runs;
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
    int chainPages = pendingList.chainPages();
    if (pendingHead != 0 && (pendingHead < Format.FIRST_DATA_PAGE || pendingHead >= pageCount)) {
      throw new IllegalArgumentException("pending list head " + pendingHead + " out of range");
    }
    if (pendingHead == 0 ? chainPages != 0 || pendingList.headCrc() != 0 : chainPages < 1 || chainPages > pageCount) {
      throw new IllegalArgumentException(
          "pending list head " + pendingHead + " does not match its checksum or its count of "
              + Integer.toUnsignedString(chainPages) + " chain pages");
    }
    if (pendingList.releasedThrough() < 0 || pendingList.releasedThrough() >= generation) {
      throw new IllegalArgumentException(
          "pending runs released through generation " + pendingList.releasedThrough() + ", not below " + generation);
    }
    for (PendingList.Run run : pendingList.inline()) {
      String problem = PendingList.checkRun(run, pendingList.releasedThrough() + 1, generation, pageCount);
      if (problem != null) {
        throw new IllegalArgumentException("inline pending list " + problem);
      }
    }
  }

  /**
   * Encodes the record, with its CRC, into a private array of exactly its length.
   *
   * @param pageSize the file's page size, which every record repeats
   */
  byte[] encode(int pageSize) {
    List<PendingList.Run> inline = pendingList.inline();
    if (inline.size() > inlineRunCapacity(pageSize)) {
      throw new IllegalArgumentException(inline.size() + " inline pending runs do not fit a page of " + pageSize);
    }
    byte[] bytes = new byte[MD_INLINE_RUNS + inline.size() * PL_RUN_SIZE];
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
    page.set(U32, MD_PENDING_CRC, pendingList.headCrc());
    page.set(U32, MD_PAGE_SIZE_LOG2, Integer.numberOfTrailingZeros(pageSize));
    page.set(U32, MD_PENDING_PAGES, pendingList.chainPages());
    page.set(U32, MD_INLINE_RUN_COUNT, inline.size());
    page.set(U64, MD_RELEASED_THROUGH, pendingList.releasedThrough());
    for (int r = 0; r < inline.size(); r++) {
      PendingList.encode(page, MD_INLINE_RUNS + (long) r * PL_RUN_SIZE, inline.get(r));
    }
    page.set(U32, MD_CRC, Checksums.crc32cSkipping(bytes, MD_CRC));
    return bytes;
  }

  /**
   * Stores the encoded record at the start of a metadata page, in one copy. A process killed
   * during the copy, or a power loss that tears the page, leaves a record that fails its CRC,
   * which open treats as a commit that never happened. Bytes after the record are left as they
   * are: nothing reads them.
   */
  void writeTo(MemorySegment page, int pageSize, String resource, long pageIndex) throws UnreadablePageException {
    PageFaults.write(encode(pageSize), page, resource, pageIndex, "metadata copy " + PageFileOpener.slotName((int) pageIndex));
  }

  /** This record under another generation: what a repair writes to make an older commit current. */
  MetadataRecord withGeneration(long newGeneration) {
    return new MetadataRecord(
        newGeneration, pageCount, freeCount, treeRoot, treeRootCrc, treeHeight, roots, pendingList);
  }

  /** Tells whether {@code other} names the same commit, whatever the two generations say. */
  boolean sameCommitAs(MetadataRecord other, int pageSize) {
    return Arrays.equals(withGeneration(0).encode(pageSize), other.withGeneration(0).encode(pageSize));
  }

  @Override
  public String toString() {
    return "MetadataRecord[generation=" + generation + ", pageCount=" + pageCount + ", freeCount="
        + freeCount + ", treeRoot=" + treeRoot + ", treeHeight=" + treeHeight + ", roots="
        + Arrays.toString(roots) + ", pendingList=" + pendingList.head() + " (" + pendingList.chainPages()
        + " pages, " + pendingList.inline().size() + " runs inline)]";
  }
}
