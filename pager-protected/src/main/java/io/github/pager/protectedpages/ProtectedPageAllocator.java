package io.github.pager.protectedpages;

import io.github.pager.allocator.BulkPageAllocator;
import io.github.pager.allocator.ForeignHandleException;
import io.github.pager.core.CorruptPageFileException;
import io.github.pager.core.PageFileException;
import io.github.pager.core.Pager;
import io.github.pager.core.PersistentArray;
import io.github.pager.core.PersistentBitmap;
import io.github.pager.core.RootCatalog;
import io.github.pager.core.RootClaim;
import io.github.pager.core.Snapshot;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Hands out protected pages: stable logical pages, each backed by two physical copies and a
 * CRC32C per copy, whose writes are staged copy-on-write and committed atomically, many pages at
 * once, with one metadata record of the pager.
 *
 * <p>This is the seed's {@code ProtectedPageId} / {@code ProtectedPageWriter} built on
 * pager-core's commit API. A write never touches the committed copy: it goes to the other one,
 * and the commit that makes it current also carries the directory change and any allocation, so
 * a crash leaves each page wholly at its last acknowledged version (or, for a transaction in
 * flight, every page of it old or every page new), and no page leaks. Reads are verified against
 * the directory's CRC32C and never hand out silently corrupted bytes.
 *
 * <p>The state lives under five consecutive root slots from {@code baseSlot} (FORMAT.md,
 * "Protected page directory"):
 *
 * <ul>
 *   <li>{@code baseSlot}: the configuration value (a magic number, the format version and the
 *       page size), so slots holding something else are refused;
 *   <li>{@code baseSlot + 1, + 2}: the <em>directory</em>, a {@link PersistentArray} of 32-byte
 *       records indexed by protected page id: both copies' pages, their CRCs, and the version;
 *   <li>{@code baseSlot + 3, + 4}: the <em>used</em> {@link PersistentBitmap}, one bit per id,
 *       for finding the lowest free id and iterating.
 * </ul>
 *
 * <p>The id space is that of the directory, up to 2^63; every id costs 32 bytes of directory and
 * two pages.
 *
 * <pre>{@code
 * ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, 8);   // root slots 8..12
 * ProtectedPageId id = pages.alloc();                  // durable, reads as zeros
 * try (ProtectedPageWriter writer = pages.write(id)) {
 *   writer.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 42L);
 *   writer.commit();                                   // atomic and durable
 * }
 * byte[] content = pages.get(id);                      // verified copy
 * }</pre>
 *
 * <p>Threads: reads ({@link #get}, {@link #read}, {@link #getUnverified}) run on any thread
 * without waiting for writers, and only ever return a whole committed version (see
 * {@link #get}). Everything that changes pages goes through a {@link ProtectedTransaction},
 * which holds the pager's writer lock: writers are serialized.
 */
public final class ProtectedPageAllocator implements BulkPageAllocator<ProtectedPageId> {
  /** Root slots one allocator occupies, from its base slot on. */
  public static final int ROOT_SLOTS_USED = 5;

  /** The kind protected pages claim their root slots as in the root catalog: {@code "pager-protected"}. */
  public static final String KIND = "pager-protected";

  /** "PROT" in the configuration value's high half ({@code PROTECTED_MAGIC} in FORMAT.md). */
  static final long CONFIG_MAGIC = 0x50524F54L;

  /** The directory format this code writes ({@code PROTECTED_FORMAT_VERSION} in FORMAT.md). */
  static final int FORMAT_VERSION = 1;

  private final Pager pager;
  private final int baseSlot;
  private final CommittedDirectory committed;
  private final int zeroPageCrc;

  private ProtectedPageAllocator(Pager pager, int baseSlot) {
    this.pager = pager;
    this.baseSlot = baseSlot;
    this.committed = new CommittedDirectory(pager, directorySlot());
    this.zeroPageCrc = CommittedDirectory.crc32c(new byte[pager.pageSize()]);
  }

  /**
   * Opens the protected pages kept under root slots {@code baseSlot} to {@code baseSlot + 4}, or
   * starts them there if those slots were never used (they are written by the first commit that
   * allocates). Open it once per pager opening: its readers rely on one in-memory view of the
   * directory.
   *
   * @param pager the pager; stays the caller's to close
   * @param baseSlot the first of the five root slots
   * @return the allocator
   * @throws IllegalArgumentException when the slots are out of range
   * @throws PageFileException when the slots hold another structure, or protected pages of
   *     another page size or format version, or the root catalog cannot be read
   * @throws io.github.pager.core.RootClaimConflictException when another structure claimed one of
   *     the slots in the root catalog
   */
  public static ProtectedPageAllocator open(Pager pager, int baseSlot) throws PageFileException {
    if (baseSlot < 0 || baseSlot + ROOT_SLOTS_USED > Transaction.ROOT_SLOTS) {
      throw new IllegalArgumentException(
          "protected pages need root slots " + baseSlot + " to " + (baseSlot + ROOT_SLOTS_USED - 1)
              + "; slots are [0, " + Transaction.ROOT_SLOTS + ")");
    }
    // Another structure's claim first: it says whose the slots are.
    RootCatalog.requireAvailable(pager, baseSlot, ROOT_SLOTS_USED, KIND);
    ProtectedPageAllocator allocator = new ProtectedPageAllocator(pager, baseSlot);
    long stored = pager.root(baseSlot);
    if (stored != 0 && stored != allocator.config()) {
      boolean ours = stored >>> 32 == CONFIG_MAGIC;
      throw new PageFileException(
          pager.describe() + ": root slot " + baseSlot + (ours
              ? " holds protected pages of format version " + (stored & 0xFF) + " in "
                  + (1L << ((stored >>> 8) & 0xFF)) + "-byte pages, not version " + FORMAT_VERSION + " in "
                  + pager.pageSize() + "-byte pages"
              : " holds another structure (0x" + Long.toHexString(stored) + "), not protected pages"));
    }
    return allocator;
  }

  /**
   * Opens the protected pages claimed as {@code name} in the pager's {@link RootCatalog} (kind
   * {@value #KIND}), claiming five free root slots for them, in a commit of its own, when the name
   * is not claimed yet. No other structure can then take their slots, and tools name them. Open
   * them once per pager opening.
   *
   * <pre>{@code
   * ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, "sessions");
   * }</pre>
   *
   * @param pager the pager; stays the caller's to close
   * @param name their name (see {@link RootClaim})
   * @return the allocator
   * @throws io.github.pager.core.RootClaimConflictException when the name is claimed by another
   *     kind, or no five consecutive slots are free
   * @throws PageFileException when the claimed slots hold another structure, or the name is not
   *     claimed and the pager is read-only
   * @throws IOException when the root catalog cannot be read or the claim's commit fails
   */
  public static ProtectedPageAllocator open(Pager pager, String name) throws IOException {
    return open(pager, RootCatalog.claim(pager, name, KIND, ROOT_SLOTS_USED).firstSlot());
  }

  /**
   * Tells whether root slot {@code baseSlot} holds protected pages this library can open: for
   * tools that find the structures in a file.
   *
   * @param pager the pager to look in
   * @param baseSlot a root slot
   * @return true when {@link #open} would accept the slot's configuration
   */
  public static boolean isStoredAt(Pager pager, int baseSlot) {
    return baseSlot >= 0
        && baseSlot + ROOT_SLOTS_USED <= Transaction.ROOT_SLOTS
        && pager.root(baseSlot) == new ProtectedPageAllocator(pager, baseSlot).config();
  }

  /** The configuration value: magic, log2 of the page size, format version. */
  long config() {
    return (CONFIG_MAGIC << 32) | ((long) Integer.numberOfTrailingZeros(pager.pageSize()) << 8) | FORMAT_VERSION;
  }

  Pager pager() {
    return pager;
  }

  int baseSlot() {
    return baseSlot;
  }

  /**
   * Returns the first root slot of the directory, the record array of both copies of every page:
   * for tools that tell its nodes from other structures' nodes.
   *
   * @return {@code baseSlot + 1}
   */
  public int directorySlot() {
    return baseSlot + 1;
  }

  /**
   * Returns the first root slot of the used bitmap, one bit per allocated id.
   *
   * @return {@code baseSlot + 3}
   */
  public int usedSlot() {
    return baseSlot + 3;
  }

  CommittedDirectory committed() {
    return committed;
  }

  int zeroPageCrc() {
    return zeroPageCrc;
  }

  /** Returns the page size: a protected page is one page of the pager. */
  @Override
  public int pageSize() {
    return pager.pageSize();
  }

  // ---------------------------------------------------------------------------------------------
  // Changes

  /**
   * Starts a transaction for protected pages (and, through {@link
   * ProtectedTransaction#pagerTransaction()}, anything else of the pager): all of it commits with
   * one metadata record. It holds the pager's writer lock until closed.
   *
   * @return the transaction
   * @throws io.github.pager.core.ReadOnlyPagerException when the pager is read-only
   * @throws io.github.pager.core.PagerUnavailableException when an earlier sync failed
   * @throws IllegalStateException when this thread already has a transaction open on the pager
   */
  public ProtectedTransaction begin() throws IOException {
    return new ProtectedTransaction(this, pager.begin());
  }

  /**
   * Opens a writer on one page, in a transaction of its own; see {@link ProtectedPageWriter}.
   *
   * @param id a protected page of this allocator
   * @return the writer, holding the pager's writer lock until closed
   * @throws ForeignHandleException when another allocator made the id
   * @throws IllegalArgumentException when the page is not allocated
   * @throws ProtectedPageCorruptException when the committed copy fails its checksum
   * @throws IOException when the directory cannot be read or the pager is unavailable
   */
  public ProtectedPageWriter write(ProtectedPageId id) throws IOException {
    id.checkOwner(this);
    return new ProtectedPageWriter(begin(), id);
  }

  /** Allocates one protected page, reading as zeros, in one commit (the seed's {@code alloc_protected}). */
  @Override
  public ProtectedPageId alloc() throws IOException {
    return allocBulk(1).getFirst();
  }

  /** Allocates {@code count} protected pages, each reading as zeros, in one commit. */
  @Override
  public List<ProtectedPageId> allocBulk(int count) throws IOException {
    try (ProtectedTransaction tx = begin()) {
      List<ProtectedPageId> ids = tx.allocBulk(count);
      tx.commit();
      return ids;
    }
  }

  /**
   * Frees a protected page, both copies and its directory slot, in one commit (the seed's {@code
   * free_protected}).
   */
  @Override
  public void free(ProtectedPageId handle) throws IOException {
    freeBulk(List.of(handle));
  }

  /** Frees several protected pages in one commit, checking every id before changing anything. */
  @Override
  public void freeBulk(Collection<ProtectedPageId> handles) throws IOException {
    try (ProtectedTransaction tx = begin()) {
      tx.freeBulk(handles);
      tx.commit();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  /**
   * Returns a copy of a page's committed content, verified against its CRC32C.
   *
   * <p>Needs no lock: the copy is taken optimistically and taken again if a commit to the page
   * was published meanwhile, so it is always one whole committed version, never a mix, and never
   * changes afterwards. The first read of an id after opening looks its directory record up,
   * which waits for an open transaction.
   *
   * @param id a protected page of this allocator
   * @return a new array of {@link #pageSize()} bytes
   * @throws ProtectedPageCorruptException when the committed copy fails its checksum; it names
   *     the protected page and the physical page
   * @throws IllegalArgumentException when the page is not allocated
   * @throws IOException when the directory cannot be read
   */
  public byte[] get(ProtectedPageId id) throws IOException {
    id.checkOwner(this);
    byte[] copy = new byte[pageSize()];
    committed.copyOut(id.value(), copy, true);
    return copy;
  }

  /**
   * Copies a page's committed content into {@code target}, verified as {@link #get} does.
   *
   * @param id a protected page of this allocator
   * @param target an array of at least {@link #pageSize()} bytes; its first page-size bytes are
   *     overwritten
   * @return the committed version the bytes belong to
   * @throws ProtectedPageCorruptException when the committed copy fails its checksum
   * @throws IOException when the directory cannot be read
   */
  public long read(ProtectedPageId id, byte[] target) throws IOException {
    id.checkOwner(this);
    checkTarget(target);
    return committed.copyOut(id.value(), target, true).version();
  }

  /**
   * Copies a page's committed content without checking its CRC32C: still one whole committed
   * version, never a mix of two, but not protected against bytes that rotted on disk.
   *
   * @param id a protected page of this allocator
   * @param target an array of at least {@link #pageSize()} bytes
   * @return the committed version the bytes belong to
   * @throws IOException when the directory cannot be read
   */
  public long getUnverified(ProtectedPageId id, byte[] target) throws IOException {
    id.checkOwner(this);
    checkTarget(target);
    return committed.copyOut(id.value(), target, false).version();
  }

  private void checkTarget(byte[] target) {
    if (target.length < pageSize()) {
      throw new IllegalArgumentException("a page is " + pageSize() + " bytes; the target holds " + target.length);
    }
  }

  /**
   * Returns a page's committed version: 1 after allocation, one more with each commit that wrote
   * it.
   *
   * @param id a protected page of this allocator
   * @return the version
   * @throws IllegalArgumentException when the page is not allocated
   * @throws IOException when the directory cannot be read
   */
  public long version(ProtectedPageId id) throws IOException {
    id.checkOwner(this);
    DirectoryEntry entry = committed.entry(id.value());
    if (entry.isFree()) {
      throw new IllegalArgumentException(id + " of " + pager.describe() + " is not allocated");
    }
    return entry.version();
  }

  /**
   * Returns these protected pages as {@code snapshot} pins them: reads at the versions committed at
   * the snapshot's generation, verified, whatever the writer commits meanwhile.
   *
   * @param snapshot an open snapshot of this allocator's pager
   * @return the view, usable until the snapshot is closed
   * @throws IllegalArgumentException when the snapshot is of another pager
   */
  public ProtectedSnapshot at(Snapshot snapshot) {
    if (!snapshot.isOf(pager)) {
      throw new IllegalArgumentException(snapshot + " is not a snapshot of " + pager.describe());
    }
    return new ProtectedSnapshot(this, snapshot);
  }

  /** The committed directory entry of an id, for tests and tools in this package. */
  DirectoryEntry entry(long id) throws IOException {
    return committed.entry(id);
  }

  /** Turns a {@link ProtectedPageId#value()} back into an id, checking that it is allocated. */
  @Override
  public ProtectedPageId handle(long value) throws IOException {
    // Long.MAX_VALUE is no record index of the directory, so no id either.
    if (value < 0 || value == Long.MAX_VALUE || committed.entry(value).isFree()) {
      throw new IllegalArgumentException("protected page " + value + " is not allocated in " + this);
    }
    return new ProtectedPageId(this, value);
  }

  /**
   * Calls {@code action} with every allocated protected page, as of the last commit, in
   * increasing order of id.
   *
   * @param action what to do with each
   * @throws IOException when the used bitmap cannot be read
   */
  public void forEachAllocated(Consumer<ProtectedPageId> action) throws IOException {
    PersistentBitmap used = pager.readBitmap(usedSlot());
    for (long value = used.nextSet(0); value >= 0; value = used.nextSet(value + 1)) {
      action.accept(new ProtectedPageId(this, value));
    }
  }

  /**
   * Returns every allocated protected page, in increasing order of id; see {@link
   * #forEachAllocated}.
   *
   * @return the ids
   * @throws IOException when the used bitmap cannot be read
   */
  public List<ProtectedPageId> allocatedIds() throws IOException {
    List<ProtectedPageId> ids = new ArrayList<>();
    forEachAllocated(ids::add);
    return ids;
  }

  // ---------------------------------------------------------------------------------------------
  // Checks

  /**
   * Checks every committed copy against its CRC32C, and the directory against itself and the
   * pager: the directory's and bitmap's nodes, a directory record for every used id, and both
   * copies of every page allocated in the pager and owned by no other page. Meant for a quiet
   * moment: commits during the check may be reported as problems.
   *
   * @throws ProtectedPageCorruptException when a copy fails its checksum; it names the first such
   *     page, and its message counts and lists them all
   * @throws CorruptPageFileException when the directory is inconsistent
   * @throws IOException when the state cannot be read at all
   */
  public void verify() throws IOException {
    List<String> problems = new ArrayList<>(pager.readArray(directorySlot(), DirectoryEntry.RECORD_SIZE).verify());
    problems.addAll(pager.readBitmap(usedSlot()).verify());
    List<ProtectedPageCorruptException> corrupt = new ArrayList<>();
    Set<Long> copies = new HashSet<>();
    byte[] buffer = new byte[pageSize()];
    for (ProtectedPageId id : allocatedIds()) {
      DirectoryEntry entry = committed.entry(id.value());
      if (entry.isFree()) {
        problems.add("protected page " + id.value() + " is marked used but has no directory record");
        continue;
      }
      for (long copy : new long[] {entry.copyA(), entry.copyB()}) {
        if (!copies.add(copy)) {
          problems.add("physical page " + copy + " of protected page " + id.value() + " belongs to another protected page too");
        } else if (!pager.isAllocated(pager.pageId(copy))) {
          problems.add("physical page " + copy + " of protected page " + id.value() + " is not allocated in the pager");
        }
      }
      try {
        committed.copyOut(id.value(), buffer, true);
      } catch (ProtectedPageCorruptException e) {
        corrupt.add(e);
      }
    }
    if (!problems.isEmpty()) {
      throw new CorruptPageFileException(
          pager.describe() + ": protected page directory at root slot " + baseSlot + " is inconsistent: "
              + String.join("; ", problems));
    }
    if (!corrupt.isEmpty()) {
      ProtectedPageCorruptException first = corrupt.getFirst();
      StringBuilder message = new StringBuilder()
          .append(pager.describe()).append(": ").append(corrupt.size()).append(" protected page(s) fail their checksum:");
      for (ProtectedPageCorruptException e : corrupt) {
        message.append("\n  ").append(e.getMessage());
      }
      throw new ProtectedPageCorruptException(message.toString(), first.protectedId(), first.physicalPage());
    }
  }

  /**
   * Returns the pages this allocator's state occupies, as of the last commit: both copies of
   * every protected page, and the nodes of the directory and the used bitmap. For tools that
   * account for every page of a file.
   *
   * @return page indexes
   * @throws IOException when the state cannot be read
   */
  public Set<Long> ownedPages() throws IOException {
    Set<Long> pages = new HashSet<>(pager.readArray(directorySlot(), DirectoryEntry.RECORD_SIZE).nodePages());
    pages.addAll(pager.readBitmap(usedSlot()).nodePages());
    forEachCopies(copies -> {
      pages.add(copies.copyA());
      pages.add(copies.copyB());
    });
    return pages;
  }

  /**
   * The two physical pages behind one protected page, as the directory records them.
   *
   * @param id the protected page's id ({@link ProtectedPageId#value()})
   * @param copyA the page of copy A
   * @param copyB the page of copy B
   * @param activeIsA whether copy A holds the committed version, the one reads return; the other
   *     copy holds the version before, or nothing yet
   */
  public record Copies(long id, long copyA, long copyB, boolean activeIsA) {}

  /**
   * Calls {@code action} with both physical pages of every allocated protected page, as of the
   * last commit, in increasing order of id: for tools that say what every page of a file holds. An
   * id marked used without a directory record ({@link #verify()} reports it) has no copies and is
   * left out.
   *
   * @param action what to do with each page's copies
   * @throws CorruptPageFileException when a directory record is impossible
   * @throws IOException when the directory or the used bitmap cannot be read
   */
  public void forEachCopies(Consumer<Copies> action) throws IOException {
    for (ProtectedPageId id : allocatedIds()) {
      DirectoryEntry entry = committed.entry(id.value());
      if (entry.isFree()) {
        continue;
      }
      action.accept(new Copies(id.value(), entry.copyA(), entry.copyB(), entry.activePage() == entry.copyA()));
    }
  }

  @Override
  public String toString() {
    return "ProtectedPageAllocator[" + pager.describe() + ", slots " + baseSlot + "-" + (baseSlot + ROOT_SLOTS_USED - 1) + "]";
  }
}
