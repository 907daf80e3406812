package io.github.pager.core;

import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Creates new page files and validates existing ones, choosing the metadata copy to trust.
 *
 * <p>Opening only reads: a file that is rejected is never written to, and a file that is
 * accepted is not written either until its first commit.
 */
final class PageFileOpener {
  private PageFileOpener() {}

  /** What an accepted file looks like: its mapping, its superblock, and the record to start from. */
  record Opened(
      MappedFile file,
      TreeGeometry geometry,
      Superblock superblock,
      MetadataRecord record,
      long lastGeneration,
      boolean fellBack) {}

  /**
   * Writes the smallest valid file into an empty storage: superblock, metadata A (generation 1)
   * and a one-leaf free-space tree at page 3.
   */
  static Opened create(Storage storage, PagerOptions options) throws IOException {
    int pageSize = options.pageSize() == 0 ? PagerOptions.DEFAULT_PAGE_SIZE : options.pageSize();
    if (storage.size() != 0) {
      throw new PageFileException(storage.describe() + " is not empty; refusing to create a page file over it");
    }
    TreeGeometry geometry = TreeGeometry.of(pageSize);
    // One leaf covers thousands of pages; a larger initial count is reached by the pager's first
    // commit, which grows the tree like any other growth.
    long pageCount = Math.min(options.initialPageCount(), geometry.leafSlots());
    MappedFile file = new MappedFile(storage, pageSize);
    file.grow(0, pageCount, !options.sparse());

    // The tree and metadata first, synced; the superblock last, so a crash during create leaves
    // a file without magic (rejected as not a page file) rather than one that names garbage.
    long[] leaf = FreeSpaceTree.initialRootLeaf(geometry);
    MemorySegment leafPage = file.page(Format.FIRST_DATA_PAGE);
    MemorySegment.copy(leaf, 0, leafPage, Format.U64, 0, leaf.length);
    int leafCrc = Checksums.crc32c(leafPage, 0, pageSize);
    MetadataRecord record =
        new MetadataRecord(1, pageCount, pageCount - 4, Format.FIRST_DATA_PAGE, leafCrc, 1, new long[Format.ROOT_SLOTS]);
    int recordCrc = record.encodeTo(file.page(Format.METADATA_A_PAGE));
    if (options.durability() == Durability.SYNC) {
      file.syncAll();
    }
    Superblock superblock =
        new Superblock(
            Format.FORMAT_VERSION,
            Integer.numberOfTrailingZeros(pageSize),
            (int) Format.METADATA_A_PAGE,
            recordCrc,
            record.generation);
    superblock.writeTo(file.page(Format.SUPERBLOCK_PAGE));
    if (options.durability() == Durability.SYNC) {
      file.syncPage(Format.SUPERBLOCK_PAGE);
    }
    return new Opened(file, geometry, superblock, record, record.generation, false);
  }

  /** Validates an existing file and picks the metadata copy to start from; reads only. */
  static Opened open(Storage storage, PagerOptions options) throws IOException {
    String name = storage.describe();
    long size = storage.size();
    if (size < Format.SB_LENGTH) {
      throw new NotAPageFileException(name + " is not a page file: it is only " + size + " bytes long");
    }
    Superblock superblock = Superblock.read(storage.map(0, Math.min(size, Format.SECTOR_SIZE)), name);
    int pageSize = 1 << superblock.pageSizeLog2();
    if (options.pageSize() != 0 && options.pageSize() != pageSize) {
      throw new PageSizeMismatchException(
          name + " has page size " + pageSize + ", not the " + options.pageSize() + " asked for");
    }
    if (size < (Format.FIRST_DATA_PAGE + 1) * pageSize) {
      throw new TruncatedPageFileException(
          name + " is truncated: " + size + " bytes cannot hold the superblock, both metadata pages and a tree root of "
              + pageSize + " bytes each");
    }
    TreeGeometry geometry = TreeGeometry.of(pageSize);
    MappedFile file = new MappedFile(storage, pageSize);
    file.mapExisting(size / pageSize * pageSize);

    int activeSlot = superblock.activeSlot();
    String activeProblem;
    try {
      MetadataRecord active = MetadataRecord.decode(file.page(activeSlot), pageSize);
      int crc = file.page(activeSlot).get(Format.U32, Format.MD_CRC);
      if (crc != superblock.activeCrc() || active.generation != superblock.generation()) {
        throw new IllegalArgumentException(
            "does not match the superblock (record CRC " + Integer.toHexString(crc) + ", generation "
                + active.generation + "; superblock names CRC " + Integer.toHexString(superblock.activeCrc())
                + ", generation " + superblock.generation() + ")");
      }
      requireLength(name, size, pageSize, active);
      TreeNodes.read(file, geometry, active.treeRoot, active.treeRootCrc, active.treeHeight - 1, 0);
      return new Opened(file, geometry, superblock, active, active.generation, false);
    } catch (IllegalArgumentException | CorruptMetadataException e) {
      activeProblem = e.getMessage();
    }

    int alternateSlot = superblock.inactiveSlot();
    try {
      MetadataRecord alternate = MetadataRecord.decode(file.page(alternateSlot), pageSize);
      requireLength(name, size, pageSize, alternate);
      TreeNodes.read(file, geometry, alternate.treeRoot, alternate.treeRootCrc, alternate.treeHeight - 1, 0);
      int crc = file.page(alternateSlot).get(Format.U32, Format.MD_CRC);
      // From now on the alternate is the active copy; the next commit overwrites the bad one.
      Superblock effective =
          new Superblock(superblock.formatVersion(), superblock.pageSizeLog2(), alternateSlot, crc, alternate.generation);
      return new Opened(
          file, geometry, effective, alternate, Math.max(alternate.generation, superblock.generation()), true);
    } catch (IllegalArgumentException | CorruptMetadataException e) {
      throw new CorruptMetadataException(
          name + ": no usable metadata. Active copy (page " + activeSlot + "): " + activeProblem
              + ". Alternate copy (page " + alternateSlot + "): " + e.getMessage());
    }
  }

  private static void requireLength(String name, long size, int pageSize, MetadataRecord record)
      throws TruncatedPageFileException {
    if (size / pageSize < record.pageCount) {
      throw new TruncatedPageFileException(
          name + " is truncated: its metadata counts " + record.pageCount + " pages of " + pageSize
              + " bytes, but the file holds only " + size + " bytes");
    }
  }
}
