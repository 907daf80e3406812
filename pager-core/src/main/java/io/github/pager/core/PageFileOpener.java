package io.github.pager.core;

import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Creates new page files and validates existing ones, choosing the metadata copy to trust.
 *
 * <p>Opening only reads: a file that is rejected is never written to, and a file that is
 * accepted is not written either until its first commit.
 *
 * <p>A read-only open may run beside a writer in another process that is committing meanwhile.
 * Everything is therefore checked on private copies, the file's length is read after the record
 * that counts its pages, and a read that found anything wrong (a copy failing its checks, a
 * fallback) is trusted only when the metadata pages still hold the bytes it saw; when they
 * changed, it is retried rather than reported: a read-only open either sees one commit whole or
 * keeps trying.
 */
final class PageFileOpener {
  /** How long a read-only open keeps retrying while a writer keeps changing the metadata. */
  private static final long RETRY_NANOS = 10_000_000_000L;

  private PageFileOpener() {}

  /**
   * What an accepted file looks like: its mapping, the record to start from and where it lies.
   *
   * @param pendingList the pending list {@code record} names, read and checked
   * @param activeSlot the metadata page holding {@code record}; the next commit writes the other
   * @param lastGeneration the highest generation any valid copy holds; the next commit writes more
   * @param fellBack the newest valid copy could not be used (its tree root failed) and the older was
   * @param superblockRecovered page 0 failed its checks and the page size came from the records
   * @param recovery what open passed over, one problem per metadata copy: a copy that fails its
   *     checks (torn by a crash, or damaged) and, after a fallback, the newest copy's damaged tree
   *     root or pending list; empty when the newest record was used as it was and the other copy
   *     is whole or was never written
   */
  record Opened(
      MappedFile file,
      TreeGeometry geometry,
      MetadataRecord record,
      PendingList.Contents pendingList,
      int activeSlot,
      long lastGeneration,
      boolean fellBack,
      boolean superblockRecovered,
      String recovery) {}

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

    // The tree and record A first, synced; the superblock last, so a crash during create leaves
    // a file without magic (rejected as not a page file) rather than one that names garbage.
    long[] leaf = FreeSpaceTree.initialRootLeaf(geometry);
    MemorySegment leafPage = file.page(Format.FIRST_DATA_PAGE);
    MemorySegment.copy(leaf, 0, leafPage, Format.U64, 0, leaf.length);
    int leafCrc = Checksums.crc32c(leafPage, 0, pageSize);
    MetadataRecord record =
        new MetadataRecord(
            1, pageCount, pageCount - 4, Format.FIRST_DATA_PAGE, leafCrc, 1, new long[Format.ROOT_SLOTS],
            PendingList.Root.EMPTY);
    record.writeTo(file.page(Format.METADATA_A_PAGE), pageSize, storage.describe(), Format.METADATA_A_PAGE);
    if (options.durability() == Durability.SYNC) {
      file.syncAll(SyncReason.CREATE_TREE);
    }
    Superblock.current(pageSize).writeTo(file.page(Format.SUPERBLOCK_PAGE), storage.describe());
    if (options.durability() == Durability.SYNC) {
      file.syncPage(Format.SUPERBLOCK_PAGE, SyncReason.CREATE_SUPERBLOCK);
    }
    return new Opened(
        file, geometry, record, PendingList.Contents.EMPTY, (int) Format.METADATA_A_PAGE, record.generation, false,
        false, "");
  }

  /**
   * Checks that a storage starts with the page-file magic, reading only its first bytes: the
   * gate before anything else (such as a lock file) is created on the file's behalf. A first
   * sector the storage cannot read passes: {@link #layout} then looks for the metadata copies.
   */
  static void requireMagic(Storage storage) throws IOException {
    long size = storage.size();
    if (size < Format.SB_LENGTH) {
      throw new NotAPageFileException(storage.describe() + " is not a page file: it is only " + size + " bytes long");
    }
    byte[] sector = new byte[Format.SB_LENGTH];
    try {
      PageFaults.read(storage.map(0, Format.SB_LENGTH), 0, sector, sector.length, storage.describe(), 0, "superblock");
    } catch (UnreadablePageException e) {
      // Whether it is a page file is for the metadata copies to tell, as for a damaged superblock.
      return;
    }
    Superblock.requireMagic(MemorySegment.ofArray(sector), storage.describe());
  }

  /** Validates an existing file and picks the metadata copy to start from; reads only. */
  static Opened open(Storage storage, PagerOptions options) throws IOException {
    String name = storage.describe();
    long size = storage.size();
    if (size < Format.SB_LENGTH) {
      throw new NotAPageFileException(name + " is not a page file: it is only " + size + " bytes long");
    }
    // Page 0's first sector, and the first three pages at the largest page size, mapped once:
    // they are read again on every retry.
    MemorySegment head = storage.map(0, Math.min(size, 3L << Format.MAX_PAGE_SIZE_LOG2));
    long deadline = System.nanoTime() + RETRY_NANOS;
    @Nullable MappedFile file = null;
    while (true) {
      Layout layout = layout(head, name);
      int pageSize = layout.pageSize();
      if (options.pageSize() != 0 && options.pageSize() != pageSize) {
        throw new PageSizeMismatchException(
            name + " has page size " + pageSize + ", not the " + options.pageSize() + " asked for");
      }
      if (size < (Format.FIRST_DATA_PAGE + 1) * pageSize) {
        throw new TruncatedPageFileException(
            name + " is truncated: " + size + " bytes cannot hold the superblock, both metadata pages and a tree root of "
                + pageSize + " bytes each");
      }
      if (file == null) {
        file = new MappedFile(storage, pageSize);
      }
      file.mapExisting(size / pageSize * pageSize);
      MetadataCopies copies = MetadataCopies.read(file);
      try {
        Opened opened = choose(storage, file, copies, layout.recovered());
        if (!storage.isReadOnly() || settled(file, copies, opened) || System.nanoTime() > deadline) {
          return opened;
        }
      } catch (PageFileException e) {
        // A writer in another process may have moved on while this open read: if the metadata
        // pages changed, what failed was read across two commits, not damage.
        if (!storage.isReadOnly() || unchanged(file, copies) || System.nanoTime() > deadline) {
          throw e;
        }
      }
      size = storage.size();
      Thread.onSpinWait();
    }
  }

  /**
   * Reads the records of a file that a read-only pager has open again, to move it to the newest
   * commit: the retry loop of {@link #open} over the pager's own mapping (which grows with the
   * file), without the superblock, whose page size cannot change. Reads only.
   */
  static Opened reread(MappedFile file, boolean superblockRecovered) throws IOException {
    Storage storage = file.storage();
    long deadline = System.nanoTime() + RETRY_NANOS;
    while (true) {
      // The metadata pages stay mapped from the open on; choose() reads the length, after them.
      MetadataCopies copies = MetadataCopies.read(file);
      try {
        Opened opened = choose(storage, file, copies, superblockRecovered);
        if (settled(file, copies, opened) || System.nanoTime() > deadline) {
          return opened;
        }
      } catch (PageFileException e) {
        if (unchanged(file, copies) || System.nanoTime() > deadline) {
          throw e;
        }
      }
      Thread.onSpinWait();
    }
  }

  /**
   * Tells whether a read-only read may trust the copy it chose. Both copies whole and the newest
   * used: the read saw one moment of the file, since a writer only ever stores into the older
   * copy, and a store caught half way fails the CRC. Anything else may be a writer moving on
   * rather than damage: a copy read before a commit and the other torn by the next one leaves
   * only the older record valid, a commit behind the pager's own (FORMAT.md, "Read-only openers
   * beside a writer"). Such a read is trusted only when the metadata pages still hold the bytes it
   * saw; a writer that moved on has changed at least the copy it read first.
   */
  private static boolean settled(MappedFile file, MetadataCopies copies, Opened opened) {
    boolean bothWhole = copies.validNewestFirst().size() == 2;
    return (bothWhole && !opened.fellBack()) || unchanged(file, copies);
  }

  private static boolean unchanged(MappedFile file, MetadataCopies copies) {
    return copies.sameBytesAs(MetadataCopies.read(file));
  }

  /** The page size, and whether it had to be recovered from the records. */
  record Layout(int pageSize, boolean recovered) {}

  /**
   * Reads the superblock; when it fails its checks, recovers the page size from the metadata
   * records, each of which repeats it. A record that passes its CRC at page 1 or 2 of a given
   * page size and names that page size cannot be there by chance.
   */
  static Layout layout(MemorySegment head, String name) throws PageFileException {
    byte[] sector = new byte[(int) Math.min(head.byteSize(), Format.SECTOR_SIZE)];
    UnreadablePageException unreadable = null;
    try {
      PageFaults.read(head, 0, sector, sector.length, name, Format.SUPERBLOCK_PAGE, "superblock");
    } catch (UnreadablePageException e) {
      unreadable = e;
    }
    MemorySegment copy = MemorySegment.ofArray(sector);
    try {
      if (unreadable != null) {
        // No bytes to check: recover the page size from the records, as for a damaged superblock.
        throw new CorruptSuperblockException(String.valueOf(unreadable.getMessage()));
      }
      return new Layout(Superblock.read(copy, name).pageSize(), false);
    } catch (CorruptSuperblockException damaged) {
      int pageSize = pageSizeFromRecords(head, name);
      if (pageSize != 0) {
        return new Layout(pageSize, true);
      }
      if (unreadable != null) {
        throw unreadable;
      }
      int version = Superblock.storedVersion(copy);
      if (Integer.compareUnsigned(version, Format.FORMAT_VERSION) > 0) {
        throw new UnsupportedFormatVersionException(Superblock.unsupported(name, version));
      }
      throw new CorruptSuperblockException(damaged.getMessage() + ", and neither metadata copy names a page size");
    }
  }

  /**
   * The smallest page size {@code P} for which page 1 or page 2 of {@code head} holds a valid
   * record naming {@code P}, or 0 when there is none: how a damaged superblock's only content is
   * recovered (FORMAT.md, "Recovery", step 3). Reads only.
   */
  static int pageSizeFromRecords(MemorySegment head, String name) {
    for (int log2 = Format.MIN_PAGE_SIZE_LOG2; log2 <= Format.MAX_PAGE_SIZE_LOG2; log2++) {
      int pageSize = 1 << log2;
      if (head.byteSize() < 3L * pageSize) {
        break;
      }
      MetadataCopies copies =
          MetadataCopies.read(head.asSlice(pageSize, pageSize), head.asSlice(2L * pageSize, pageSize), pageSize, name);
      if (!copies.validNewestFirst().isEmpty()) {
        return pageSize;
      }
    }
    return 0;
  }

  /**
   * Picks the newest valid copy whose free-space tree root and pending list check out; falls back
   * to the other valid copy, the commit before, only when the newest one's are damaged.
   */
  private static Opened choose(Storage storage, MappedFile file, MetadataCopies copies, boolean superblockRecovered)
      throws IOException {
    String name = storage.describe();
    TreeGeometry geometry = TreeGeometry.of(file.pageSize());
    List<MetadataCopies.Copy> valid = copies.validNewestFirst();
    List<String> problems = new ArrayList<>();
    // The problems of copies that were written once: a copy create never wrote is no recovery.
    List<String> passedOver = new ArrayList<>();
    UnreadablePageException unreadable = null;
    for (int slot = (int) Format.METADATA_A_PAGE; slot <= Format.METADATA_B_PAGE; slot++) {
      MetadataCopies.Copy copy = copies.copy(slot);
      if (!copy.valid()) {
        String problem = "copy " + slotName(slot) + " (page " + slot + "): " + copy.problem();
        problems.add(problem);
        if (!copy.neverWritten()) {
          passedOver.add(problem);
        }
        if (unreadable == null) {
          unreadable = copy.unreadable();
        }
      }
    }
    // The length is read after the records: a writer extends the file durably before it writes a
    // record that counts the new pages, so a record read first never counts more than the file has.
    long size = storage.size();
    file.mapExisting(size / file.pageSize() * file.pageSize());
    for (MetadataCopies.Copy copy : valid) {
      MetadataRecord record = copy.requireRecord();
      if (size / file.pageSize() < record.pageCount) {
        throw new TruncatedPageFileException(
            name + " is truncated: its metadata counts " + record.pageCount + " pages of " + file.pageSize()
                + " bytes, but the file holds only " + size + " bytes");
      }
      PendingList.Contents pendingList;
      try {
        TreeNodes.read(file, geometry, record.treeRoot, record.treeRootCrc, record.treeHeight - 1, 0);
        pendingList = PendingList.read(file, record);
      } catch (CorruptMetadataException | UnreadablePageException e) {
        // An unreadable tree root or chain page is treated as a damaged one: the older copy, if
        // it checks out, is the commit to open at (FORMAT.md, "Recovery").
        String problem =
            "copy " + slotName(copy.slot()) + " (page " + copy.slot() + ", generation " + record.generation + "): "
                + e.getMessage();
        problems.add(problem);
        passedOver.add(problem);
        if (e instanceof UnreadablePageException unreadablePage && unreadable == null) {
          unreadable = unreadablePage;
        }
        continue;
      }
      boolean fellBack = copy != valid.get(0);
      return new Opened(
          file, geometry, record, pendingList, copy.slot(), copies.highestGeneration(), fellBack, superblockRecovered,
          String.join(". ", passedOver));
    }
    String noUsableMetadata = name + ": no usable metadata. " + String.join(". ", problems);
    if (unreadable != null) {
      // Refused naming the page that could not be read, with every copy's problem in the message.
      throw new UnreadablePageException(noUsableMetadata, unreadable.page(), unreadable);
    }
    throw new CorruptMetadataException(noUsableMetadata);
  }

  static String slotName(int slot) {
    return slot == Format.METADATA_A_PAGE ? "A" : "B";
  }
}
