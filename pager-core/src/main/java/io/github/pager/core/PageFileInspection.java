package io.github.pager.core;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a page file's fixed structures say, read without opening it as a pager: the superblock,
 * both metadata copies and their tree roots, which copy the newest commit wrote, and which copy an
 * open would trust. For tools that
 * show or check a file (including a damaged one); it only reads, with plain reads rather than a
 * mapping, and takes no lock.
 *
 * <pre>{@code
 * PageFileInspection inspection = PageFileInspection.inspect(path);
 * MetadataCopy used = inspection.copy(inspection.trustedSlot());
 * }</pre>
 */
public final class PageFileInspection {

  /**
   * One metadata copy as found on disk.
   *
   * @param page the page it lives in: 1 (copy A) or 2 (copy B)
   * @param problem what is wrong with it, or null when an open could use it
   * @param generation its generation (0 when it could not be decoded)
   * @param pageCount the page count it records
   * @param freeCount the free count it records
   * @param treeRoot the page of its free-space tree's root
   * @param treeHeight its free-space tree's height
   * @param pendingListHead the first page of its pending list's chain, 0 when it has none
   * @param pendingChainPages how many pages of that chain belong to the list
   * @param inlinePendingRuns how many runs of its pending list it holds itself
   * @param crc the CRC32C stored in the record
   * @param truncated whether the file is shorter than the record's page count (open then
   *     refuses the file rather than fall back)
   * @param roots its root values
   */
  public record MetadataCopy(
      int page,
      @Nullable String problem,
      long generation,
      long pageCount,
      long freeCount,
      long treeRoot,
      int treeHeight,
      long pendingListHead,
      int pendingChainPages,
      int inlinePendingRuns,
      int crc,
      boolean truncated,
      List<Long> roots) {

    /** Copies the root list, so the record stays immutable. */
    public MetadataCopy {
      roots = List.copyOf(roots);
    }

    /**
     * Tells whether an open could use this copy.
     *
     * @return true when no problem was found
     */
    public boolean usable() {
      return problem == null;
    }
  }

  private final Path path;
  private final long fileSize;
  private final int formatVersion;
  private final int pageSize;
  private final @Nullable String superblockProblem;
  private final MetadataCopy copyA;
  private final MetadataCopy copyB;

  private PageFileInspection(
      Path path, long fileSize, int pageSize, @Nullable String superblockProblem, MetadataCopy copyA, MetadataCopy copyB) {
    this.path = path;
    this.fileSize = fileSize;
    this.formatVersion = Format.FORMAT_VERSION;
    this.pageSize = pageSize;
    this.superblockProblem = superblockProblem;
    this.copyA = copyA;
    this.copyB = copyB;
  }

  /**
   * Reads and checks a file's superblock and both metadata copies.
   *
   * @param path the file
   * @return what was found
   * @throws java.nio.file.NoSuchFileException when the file does not exist
   * @throws NotAPageFileException when it does not start with the page-file magic
   * @throws UnsupportedFormatVersionException when its format is not this library's
   * @throws CorruptSuperblockException when the superblock fails its checks and no metadata copy
   *     names the page size either
   * @throws IOException when the file cannot be read
   */
  public static PageFileInspection inspect(Path path) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = channel.size();
      String name = path.toString();
      if (size < Format.SB_LENGTH) {
        throw new NotAPageFileException(name + " is not a page file: it is only " + size + " bytes long");
      }
      MemorySegment head = read(channel, 0, (int) Math.min(size, 3L << Format.MAX_PAGE_SIZE_LOG2));
      PageFileOpener.Layout layout = PageFileOpener.layout(head, name);
      int pageSize = layout.pageSize();
      String superblockProblem = null;
      if (layout.recovered()) {
        superblockProblem = "fails its checks; the page size was taken from the metadata copies";
      }
      List<MetadataCopy> copies = new ArrayList<>();
      for (int slot = (int) Format.METADATA_A_PAGE; slot <= Format.METADATA_B_PAGE; slot++) {
        copies.add(copy(channel, path.toString(), size, pageSize, slot));
      }
      return new PageFileInspection(path, size, pageSize, superblockProblem, copies.get(0), copies.get(1));
    }
  }

  private static MetadataCopy copy(FileChannel channel, String name, long size, int pageSize, int slot)
      throws IOException {
    if (size < (slot + 1L) * pageSize) {
      return broken(slot, "missing: the file ends before page " + slot);
    }
    byte[] bytes = MetadataRecord.copyOf(read(channel, (long) slot * pageSize, pageSize), name, slot);
    MetadataRecord record;
    try {
      record = MetadataRecord.decode(bytes, pageSize);
    } catch (IllegalArgumentException e) {
      return broken(slot, e.getMessage());
    }
    int crc = MetadataRecord.storedCrc(bytes);
    String problem = null;
    boolean truncated = false;
    if (size / pageSize < record.pageCount) {
      problem = "counts " + record.pageCount + " pages but the file holds only " + size / pageSize;
      truncated = true;
    } else {
      problem = TreeNodes.check(
          read(channel, record.treeRoot * pageSize, pageSize), record.treeRootCrc, record.treeHeight - 1, 0);
      if (problem != null) {
        problem = "free-space tree root at page " + record.treeRoot + " " + problem;
      } else {
        problem = PendingList.read(
            page -> read(channel, page * pageSize, pageSize), record, new ArrayList<>(), name);
      }
    }
    List<Long> roots = new ArrayList<>();
    for (int i = 0; i < Format.ROOT_SLOTS; i++) {
      roots.add(record.root(i));
    }
    return new MetadataCopy(
        slot, problem, record.generation, record.pageCount, record.freeCount, record.treeRoot, record.treeHeight,
        record.pendingList.head(), record.pendingList.chainPages(), record.pendingList.inline().size(), crc,
        truncated, roots);
  }

  private static MetadataCopy broken(int slot, @Nullable String problem) {
    return new MetadataCopy(slot, problem == null ? "unreadable" : problem, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, List.of());
  }

  /** Whether a copy decoded at all (it may still have a problem above its own checksum). */
  private static boolean decoded(MetadataCopy copy) {
    return copy.generation() != 0;
  }

  private static MemorySegment read(FileChannel channel, long offset, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, offset + buffer.position()) < 0) {
        break;
      }
    }
    return MemorySegment.ofArray(buffer.array());
  }

  /**
   * Returns the file inspected.
   *
   * @return its path
   */
  public Path path() {
    return path;
  }

  /**
   * Returns the file's length in bytes (its apparent size; a sparse file occupies less).
   *
   * @return the length
   */
  public long fileSize() {
    return fileSize;
  }

  /**
   * Returns the format version the superblock names.
   *
   * @return the version
   */
  public int formatVersion() {
    return formatVersion;
  }

  /**
   * Returns the page size.
   *
   * @return bytes per page
   */
  public int pageSize() {
    return pageSize;
  }

  /**
   * Tells what is wrong with the superblock, when open had to take the page size from the
   * metadata copies instead.
   *
   * @return the problem, or null when the superblock is sound
   */
  public @Nullable String superblockProblem() {
    return superblockProblem;
  }

  /**
   * Returns the metadata copy written by the newest commit: of the copies that pass their own
   * checksum, the one with the higher generation (copy A when both hold the same one, as in a
   * copy written by {@link Snapshot#copyTo}).
   *
   * @return the page of that copy, 1 (A) or 2 (B), or 0 when neither copy passes its checksum
   */
  public int activeSlot() {
    if (!decoded(copyA) && !decoded(copyB)) {
      return 0;
    }
    if (!decoded(copyB)) {
      return copyA.page();
    }
    if (!decoded(copyA)) {
      return copyB.page();
    }
    // Equal generations (a copy written by Snapshot.copyTo holds one record twice): A, as open
    // takes it.
    return copyA.generation() >= copyB.generation() ? copyA.page() : copyB.page();
  }

  /**
   * Returns the CRC stored in the active copy.
   *
   * @return the CRC32C, or 0 when no copy is active
   */
  public int activeCrc() {
    int active = activeSlot();
    return active == 0 ? 0 : copy(active).crc();
  }

  /**
   * Returns the generation of the active copy.
   *
   * @return the generation, or 0 when no copy is active
   */
  public long generation() {
    int active = activeSlot();
    return active == 0 ? 0 : copy(active).generation();
  }

  /**
   * Returns one metadata copy.
   *
   * @param slot 1 (copy A) or 2 (copy B)
   * @return the copy
   */
  public MetadataCopy copy(int slot) {
    if (slot == Format.METADATA_A_PAGE) {
      return copyA;
    }
    if (slot == Format.METADATA_B_PAGE) {
      return copyB;
    }
    throw new IllegalArgumentException("metadata copies live in pages 1 and 2, not " + slot);
  }

  /**
   * Returns the copy an open would use: the active one when usable, else the other when usable,
   * else 0 (the file cannot be opened). A truncated file cannot be opened whichever copy is asked.
   *
   * @return 1, 2 or 0
   */
  public int trustedSlot() {
    int active = activeSlot();
    if (active == 0) {
      return 0;
    }
    if (copy(active).usable()) {
      return active;
    }
    int alternate = MetadataCopies.otherSlot(active);
    if (copy(active).truncated() || copy(alternate).truncated()) {
      return 0;
    }
    return copy(alternate).usable() ? alternate : 0;
  }

  /**
   * Tells what a page holds in this format, as far as its position and header tell: the
   * superblock, a metadata copy, a copy-on-write tree node or a pending list page (by its header;
   * a user page may imitate one), or a page with no header of the pager's. Only a guess, for a
   * file whose free-space tree cannot be read: {@link CommitLayout} says what a page of a commit
   * is.
   *
   * @param page the page index
   * @param bytes the page's bytes
   * @return a short description
   */
  public static String describePage(long page, MemorySegment bytes) {
    if (page == Format.SUPERBLOCK_PAGE) {
      return "superblock";
    }
    if (page == Format.METADATA_A_PAGE || page == Format.METADATA_B_PAGE) {
      return "metadata copy " + (page == Format.METADATA_A_PAGE ? "A" : "B");
    }
    if (bytes.byteSize() >= Format.NODE_BODY && bytes.get(Format.U32, Format.NODE_MAGIC) == Format.NODE_MAGIC_VALUE) {
      return "tree node? (header says level " + bytes.get(Format.U32, Format.NODE_LEVEL) + ", index "
          + bytes.get(Format.U64, Format.NODE_INDEX) + ")";
    }
    if (bytes.byteSize() >= Format.PL_RUNS && bytes.get(Format.U64, Format.PL_MAGIC) == Format.PL_MAGIC_VALUE) {
      return "pending list page? (header says " + Integer.toUnsignedString(bytes.get(Format.U32, Format.PL_RUN_COUNT))
          + " runs, next page " + bytes.get(Format.U64, Format.PL_NEXT) + ")";
    }
    return "no header of the pager's (user data, or free: the file's free-space tree would tell which)";
  }
}
