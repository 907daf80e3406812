package io.github.pager.core;

import io.github.pager.core.storage.FileStorage;
import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.DoubleConsumer;
import org.jspecify.annotations.Nullable;

/**
 * A file divided into fixed-size pages, handed out by {@link #alloc()} and taken back by {@link
 * #free}, whose allocation state survives a crash at any instant.
 *
 * <p>Every change to the allocation state is a commit: the new state is written beside the old
 * one and made durable, then a metadata record naming it is written over the older of two copies,
 * in one sector, and synced (see {@link CommitProtocol} and FORMAT.md). After a power loss the file opens at the last acknowledged
 * commit. Page contents are not versioned: a page is written in place through its {@link
 * MappedPage} view, and a commit (or {@link #sync()}) makes those writes durable too.
 *
 * <pre>{@code
 * try (Pager pager = Pager.create(path, PagerOptions.defaults())) {
 *   PageId id = pager.alloc();                 // durable when it returns
 *   pager.page(id).putLong(0, 42);
 *   pager.sync();                              // or let the next commit carry the write
 * }
 * try (Pager pager = Pager.open(path)) {
 *   long value = pager.page(pager.pageId(3)).getLong(0);
 * }
 * }</pre>
 *
 * <p>Several changes commit together through a {@link Transaction}, which also carries the
 * metadata's root values, where layers above keep their own structures.
 *
 * <p>Threads: page views may be read and written from any thread without a lock. Allocation,
 * freeing and commits are serialized by a writer lock that a transaction holds until it ends.
 * Across processes, one writer per file: the writer holds a lock on the file's lock file, {@code
 * <name>-lock} beside it (see FORMAT.md), which nothing else opens or closes, so no other opening
 * of the page file can release it. A read-only pager takes a slot in the reader table of the same
 * lock file, where it publishes the commit it reads: the writer, in whatever process, then hands
 * out none of the pages that commit reaches until the reader moves on ({@link #refresh()}) or
 * closes, and a reader that dies releases its slot with its process.
 */
public final class Pager implements AutoCloseable {
  private final MappedFile file;
  private final TreeGeometry geometry;
  private final PagerOptions options;
  private final CommitProtocol protocol;
  private final CommitGroups groups;
  private final PendingFrees pending;
  private final NodeCache cache = new NodeCache();
  private final ReentrantLock writeLock = new ReentrantLock();
  private final Pins pins = new Pins();

  /** The root catalog of the last commit, for the claim checks of transactions (guarded by writeLock). */
  private final CommittedCatalog committedCatalog = new CommittedCatalog();

  /** The reader table: the writer's view of other readers, or a read-only pager's own slot. */
  private final Readers readers;

  /** A transaction's structures: their transaction holds the writer lock already. */
  private final RootedStructure.Access transactionAccess =
      new RootedStructure.Access() {
        @Override
        public <T> T read(IoSupplier<T> action) throws IOException {
          return action.get();
        }

        @Override
        public void checkUsable() {
          checkOpen();
        }
      };

  /** Views of the last commit: each read takes the writer lock, which guards the node cache. */
  private final RootedStructure.Access viewAccess =
      new RootedStructure.Access() {
        @Override
        public <T> T read(IoSupplier<T> action) throws IOException {
          return underLock(action);
        }

        @Override
        public void checkUsable() {
          checkOpen();
        }
      };
  private final boolean openedFromAlternate;
  private final boolean superblockRecovered;

  /**
   * The pager's own pages as of the last commit (the free-space tree's nodes and the pending
   * list's pages): never handed out as views.
   */
  private final TreeNodePages treeNodePages;

  /** The pending list of the last commit: the next one that changes what is pending replaces it. */
  private PendingList.Contents committedPendingList;

  /**
   * The last sealed state: replaced (never changed) by each commit. Durable once its commit
   * returns; until then (group commit) other threads already build on it, see {@link
   * #oldestPinned}.
   */
  private volatile MetadataRecord committed;

  /** Guarded by writeLock: the working state since the last commit. */
  private FreeSpaceTree tree;

  private long committedCursor;

  /** Pages a view may be taken of: the committed count, or more while a transaction grows. */
  private volatile long accessiblePageCount;

  private volatile boolean closed;
  private volatile @Nullable PagerUnavailableException poison;

  /** Set by compaction: a transaction that would grow the file fails instead (see {@link #growFile}). */
  private volatile boolean growthForbidden;

  private Pager(PageFileOpener.Opened opened, PagerOptions options, Readers readers) throws IOException {
    this.readers = readers;
    this.file = opened.file();
    this.geometry = opened.geometry();
    this.options = options;
    file.writeOwnPagesPositionally(options.durability() == Durability.SYNC);
    this.protocol =
        new CommitProtocol(
            file, options.durability(), opened.activeSlot(), opened.record().generation, opened.lastGeneration(),
            opened.superblockRecovered() && !options.readOnly());
    this.groups = new CommitGroups(protocol, file.counters(), this::releaseAfterFlush);
    this.pending = new PendingFrees(geometry);
    this.committed = opened.record();
    this.openedFromAlternate = opened.fellBack();
    if (openedFromAlternate) {
      file.counters().fellBack();
    }
    this.superblockRecovered = opened.superblockRecovered();
    this.committedCursor = 0;
    if (options.readOnly() && !readers.isRegistered()) {
      // A writer elsewhere may commit on, and knows nothing of this reader: checks that fail from
      // now on are judged against it. A registered reader's commit is pinned, so a failed check
      // is damage, as for a writer.
      file.readsViewOf(committed.generation);
    }
    this.committedPendingList = opened.pendingList();
    this.treeNodePages =
        TreeNodePages.of(
            new CopyOnWriteTree(file, geometry, cache, committed.treeRoot, committed.treeRootCrc, committed.treeHeight),
            committedPendingList.pages());
    if (!options.readOnly()) {
      // Pages freed before the reopen stay pending under the same rule as before it: those the
      // last commit freed until the next commit is durable, older ones while a reader needs them.
      pending.load(committedPendingList.pendingRuns());
      pending.release(committed.generation, oldestPinned());
    }
    this.tree = newWorkingTree();
    this.accessiblePageCount = committed.pageCount;
  }

  // ---------------------------------------------------------------------------------------------
  // Opening and closing

  /**
   * Creates a new page file; refuses to overwrite an existing one.
   *
   * @param path where to create the file
   * @param options page size, durability, growth and initial size
   * @return the open pager, holding the file's writer lock
   * @throws java.nio.file.FileAlreadyExistsException when the file exists (it is left alone)
   * @throws IOException when the file cannot be created or written; a file this call created is
   *     deleted again
   */
  public static Pager create(Path path, PagerOptions options) throws IOException {
    if (options.readOnly()) {
      throw new IllegalArgumentException("cannot create a page file read-only: " + path);
    }
    FileStorage storage = FileStorage.createNew(path);
    try {
      return create(storage, options);
    } catch (IOException | RuntimeException e) {
      // The file is ours and holds no acknowledged commit: leave nothing half-made behind.
      try {
        storage.deleteCreated();
      } catch (IOException deleting) {
        e.addSuppressed(deleting);
      }
      throw e;
    }
  }

  /**
   * Creates a page file in an empty storage, such as a test kit's simulated one.
   *
   * @param storage an empty storage; the pager owns it from now on and closes it
   * @param options page size, durability, growth and initial size
   * @return the open pager
   * @throws IOException when the storage cannot be written, or is not empty
   */
  public static Pager create(Storage storage, PagerOptions options) throws IOException {
    PagerEvents.Open event = new PagerEvents.Open();
    event.begin();
    Pager pager;
    try {
      lockForWriting(storage);
      PageFileOpener.Opened created = PageFileOpener.create(storage, options);
      pager = new Pager(created, options, Readers.forWriter(storage));
      event.end(storage.describe(), created, false, true);
    } catch (IOException | RuntimeException e) {
      closeQuietly(storage, e);
      throw e;
    }
    if (options.initialPageCount() > pager.pageCount()) {
      try (Transaction tx = pager.begin()) {
        tx.ensurePageCount(options.initialPageCount());
        tx.commit();
      } catch (IOException | RuntimeException e) {
        try {
          pager.close();
        } catch (IOException | RuntimeException closing) {
          e.addSuppressed(closing);
        }
        throw e;
      }
    }
    return pager;
  }

  /**
   * Opens the page file at {@code path}, creating it first when it does not exist: what a process
   * that keeps its data in one file calls at every start. When another process creates the file
   * at the same moment, this one opens what that one created.
   *
   * <p>An existing file that is not a page file is refused and left as it is, never overwritten:
   * that includes the rest of a create that a crash interrupted (it holds no commit; delete it).
   *
   * @param path the file
   * @param options the options to open with, and to create with when the file is missing (its
   *     page size, initial size and so on); read-only options never create
   * @return the open pager
   * @throws java.nio.file.NoSuchFileException when the file does not exist and the options are
   *     read-only
   * @throws IOException as {@link #open(Path, PagerOptions)} and {@link #create(Path,
   *     PagerOptions)} throw
   */
  public static Pager openOrCreate(Path path, PagerOptions options) throws IOException {
    try {
      return open(path, options);
    } catch (NoSuchFileException missing) {
      if (options.readOnly()) {
        throw missing;
      }
    }
    try {
      return create(path, options);
    } catch (FileAlreadyExistsException raced) {
      return open(path, options);
    }
  }

  /**
   * Opens an existing page file for reading and writing with the default options.
   *
   * @param path the file
   * @return the open pager
   * @throws IOException when the file is missing, locked, or not a valid page file; see {@link
   *     #open(Storage, PagerOptions)}
   */
  public static Pager open(Path path) throws IOException {
    return open(path, PagerOptions.defaults());
  }

  /**
   * Opens an existing page file. Read-only, the pager registers the commit it opens at in the
   * file's reader table (creating the lock file when absent), so that a writer in any process
   * keeps every page of that commit until the pager moves on or closes; when the lock file cannot
   * be created or opened for writing, it opens unregistered (see {@link #isRegisteredReader()}).
   *
   * @param path the file
   * @param options read-only, expected page size, durability, growth
   * @return the open pager
   * @throws java.nio.file.NoSuchFileException when the file does not exist
   * @throws IOException when the file is locked or not a valid page file, or (read-only) the
   *     reader table is full or held by a compaction; see {@link #open(Storage, PagerOptions)}
   */
  public static Pager open(Path path, PagerOptions options) throws IOException {
    return open(FileStorage.open(path, options.readOnly()), options);
  }

  /**
   * Opens the page file held by a storage. The file is only read until the first commit; one
   * that is rejected is never written to.
   *
   * @param storage the storage; the pager owns it from now on and closes it (also on failure)
   * @param options read-only, expected page size, durability, growth
   * @return the open pager
   * @throws PageFileLockedException when another writer holds the file
   * @throws NotAPageFileException when the file does not start with the page-file magic
   * @throws UnsupportedFormatVersionException when the file's format is newer than this library
   * @throws CorruptSuperblockException when the superblock fails its checks
   * @throws PageSizeMismatchException when the options name another page size
   * @throws CorruptMetadataException when neither metadata copy is usable
   * @throws TruncatedPageFileException when the file is shorter than its metadata says
   * @throws ReaderTableFullException when read-only and every slot of the file's reader table
   *     belongs to a live reader
   * @throws CompactionInProgressException when read-only and a compaction, in this process or
   *     another, holds the file's reader table ({@link PageFileCompaction}); a subclass of
   *     {@link ReaderTableFullException}
   * @throws IOException when the storage fails
   */
  public static Pager open(Storage storage, PagerOptions options) throws IOException {
    PagerEvents.Open event = new PagerEvents.Open();
    event.begin();
    Readers reader = null;
    try {
      // Before the lock or the reader's slot, either of which creates a lock file: a file that is
      // not a page file at all is left as it was found.
      PageFileOpener.requireMagic(storage);
      PageFileOpener.Opened opened;
      Pager pager;
      if (!options.readOnly()) {
        lockForWriting(storage);
        opened = PageFileOpener.open(storage, options);
        pager = new Pager(opened, options, Readers.forWriter(storage));
      } else {
        reader = Readers.forReader(storage);
        opened = reader.open(storage, options);
        pager = new Pager(opened, options, reader);
      }
      event.end(storage.describe(), opened, options.readOnly(), false);
      return pager;
    } catch (IOException | RuntimeException e) {
      if (reader != null) {
        try {
          reader.close();
        } catch (IOException | RuntimeException closing) {
          e.addSuppressed(closing);
        }
      }
      closeQuietly(storage, e);
      throw e;
    }
  }

  /**
   * Opens a read-only pager of one commit of a file whose writer lock the caller holds: the view a
   * repair gives its {@link PageFileRepair.StructureCheck} of a metadata copy it may make current
   * ({@link CheckedCopy}). It reads that commit until closed; nothing can reuse its pages, so
   * what fails a check is damage.
   *
   * @param opened the commit, on a {@link MappedFile} of its own whose storage closing the pager
   *     may close
   */
  static Pager viewUnderWriterLock(PageFileOpener.Opened opened) throws IOException {
    return new Pager(opened, PagerOptions.defaults().withReadOnly(true), Readers.underWriterLock());
  }

  private static void lockForWriting(Storage storage) throws IOException {
    if (!storage.tryLockForWriting()) {
      throw new PageFileLockedException(storage.describe() + " is open for writing by another pager or process");
    }
  }

  private static void closeQuietly(Storage storage, Throwable failure) {
    try {
      storage.close();
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /**
   * Closes the pager: waits for a commit in progress, syncs page writes (with {@link
   * Durability#SYNC}), gives back a read-only pager's slot in the reader table, unmaps the file and
   * releases its lock. Afterwards every view of its pages throws {@link IllegalStateException}.
   * Closing twice does nothing.
   *
   * @throws IOException when the final sync or the close fails
   */
  @Override
  public void close() throws IOException {
    writeLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      try {
        if (!options.readOnly() && poison == null) {
          // Commits sealed by threads still waiting for their flush: flushed before the unmap.
          try {
            groups.awaitAll();
          } catch (PagerUnavailableException e) {
            throw poison(e);
          }
          if (options.durability() == Durability.SYNC) {
            file.syncAll(SyncReason.CLOSE);
          }
        }
      } finally {
        try {
          readers.close();
        } finally {
          file.close();
        }
      }
    } finally {
      writeLock.unlock();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Allocation, one commit each

  /**
   * Allocates the lowest free page, growing the file when none is free; durable on return.
   *
   * @return the new page's handle; its content is whatever the page last held (zero if never used)
   * @throws GrowFailedException when the file had to grow and could not; nothing changed
   * @throws IOException when the commit fails
   */
  public PageId alloc() throws IOException {
    try (Transaction tx = begin()) {
      PageId id = tx.alloc();
      tx.commit();
      return id;
    }
  }

  /**
   * Allocates {@code count} pages, lowest first, in one commit.
   *
   * @param count how many pages, zero or more
   * @return the handles, in increasing order
   * @throws IOException when the commit fails; then no page was allocated
   */
  public List<PageId> allocBulk(int count) throws IOException {
    try (Transaction tx = begin()) {
      List<PageId> ids = tx.allocBulk(count);
      tx.commit();
      return ids;
    }
  }

  /**
   * Allocates {@code count} consecutive pages, the lowest such run, in one commit.
   *
   * @param count how many pages, one or more
   * @return the handle of the run's first page; the others follow it by index
   * @throws IOException when the commit fails; then no page was allocated
   */
  public PageId allocRun(long count) throws IOException {
    try (Transaction tx = begin()) {
      PageId first = tx.allocRun(count);
      tx.commit();
      return first;
    }
  }

  /**
   * Frees a page in one commit. The page can be handed out again once the commit after this one
   * is durable (the previous metadata copy may still reference it until then).
   *
   * @param id a page this pager allocated and has not freed
   * @throws DoubleFreeException when the page is already free
   * @throws IOException when the commit fails; then the page stays allocated
   */
  public void free(PageId id) throws IOException {
    try (Transaction tx = begin()) {
      tx.free(id);
      tx.commit();
    }
  }

  /**
   * Frees several pages in one commit. Every handle is checked before anything changes: one bad
   * handle (foreign, reserved, free, or listed twice) fails the whole call and frees nothing.
   *
   * @param ids the pages to free
   * @throws IOException when the commit fails; then every page stays allocated
   */
  public void freeBulk(Collection<PageId> ids) throws IOException {
    try (Transaction tx = begin()) {
      tx.freeBulk(ids);
      tx.commit();
    }
  }

  /**
   * Starts a transaction: changes made through it commit together, all or nothing, with one
   * metadata record. It holds the pager's writer lock until it is committed or closed, and must
   * be closed by the thread that began it.
   *
   * @return the transaction
   * @throws ReadOnlyPagerException when the pager is read-only
   * @throws PagerUnavailableException when an earlier sync failed
   * @throws IllegalStateException when closed, or when this thread already has a transaction open
   */
  public Transaction begin() throws PagerUnavailableException {
    checkWritable();
    if (writeLock.isHeldByCurrentThread()) {
      throw new IllegalStateException("this thread already has a transaction open on " + file.describe());
    }
    writeLock.lock();
    try {
      checkWritable();
    } catch (RuntimeException | PagerUnavailableException e) {
      writeLock.unlock();
      throw e;
    }
    // Snapshots closed and readers gone since the last commit may have freed pages for reuse.
    releasePending();
    return new Transaction(this, committed.roots());
  }

  // ---------------------------------------------------------------------------------------------
  // Pages

  /**
   * Returns a view of a page. Needs no lock; the view stays valid across growth and until close.
   *
   * @param id a page handle of this pager
   * @return the view
   * @throws ForeignPageException when the handle comes from another pager
   * @throws ReservedPageException when the page is one of the pager's own, a node of the
   *     free-space tree or a page of the pending list (a handle kept after its page was freed may
   *     name one): a store there would damage the file
   * @throws IllegalStateException when the pager is closed
   */
  public MappedPage page(PageId id) {
    // The read path: every check is one comparison here, and building the exception that names
    // the failed one is out of line, so that this method stays small enough for the JIT to
    // inline into the caller (and the view to be scalar-replaced, costing no allocation).
    long index = id.index();
    if (closed || !id.belongsTo(this) || index < Format.FIRST_DATA_PAGE || index >= accessiblePageCount
        || treeNodePages.contains(index)) {
      throw refusal(id);
    }
    return new MappedPage(id, file.page(index));
  }

  /** Says why {@link #page} refused a handle: the same checks, in order, with their messages. */
  private RuntimeException refusal(PageId id) {
    checkOpen();
    checkOwn(id);
    checkIndex(id.index());
    return new ReservedPageException(
        "page " + id.index() + " of " + file.describe()
            + " is one of the pager's own (a free-space tree node or a pending list page), not a user's page");
  }

  /**
   * Returns a view of the page with a stored index: {@code page(pageId(index))} in one call, for
   * structures that keep page numbers on disk, with the same checks as {@link #page(PageId)}.
   * Needs no lock.
   *
   * @param index the page's index
   * @return the view
   * @throws ReservedPageException when the index names the superblock, a metadata page or one of
   *     the pager's own pages
   * @throws PageOutOfBoundsException when the index is at or past the page count
   * @throws IllegalStateException when the pager is closed
   */
  public MappedPage page(long index) {
    if (closed || index < Format.FIRST_DATA_PAGE || index >= accessiblePageCount || treeNodePages.contains(index)) {
      throw refusal(new PageId(index, this));
    }
    return new MappedPage(new PageId(index, this), file.page(index));
  }

  /**
   * Writes a whole page with a positional write ({@code pwrite}) instead of stores into the
   * mapping. The page's views show the new bytes at once, and they become durable with the next
   * commit or {@link #sync()}, like stores. Needs no lock; coordinate threads that write the same
   * page, as with views.
   *
   * <p>Why: the first store into a mapped page after a commit synced it is a write fault, in
   * which the file system reserves the block and dirties the page under its journal. A commit
   * that rewrites many whole pages pays that per page; a positional write of a cached page is a
   * copy. On ext4, sixteen pages and a sync took 940 µs through the mapping and 641 µs written
   * (BENCHMARKS.md, "Raw page writes"); for a page or two the mapping is as cheap or cheaper.
   *
   * @param id a page handle of this pager
   * @param content exactly one page of bytes, any segment (a native one is written without a copy)
   * @throws ForeignPageException when the handle comes from another pager
   * @throws ReservedPageException when the page is one of the pager's own
   * @throws IllegalArgumentException when {@code content} is not one page long
   * @throws ReadOnlyPagerException when the pager is read-only
   * @throws IllegalStateException when the pager is closed
   * @throws IOException when the write fails, or the pager is unavailable after a failed sync
   */
  public void write(PageId id, MemorySegment content) throws IOException {
    checkWritable();
    page(id); // the same checks as a view: open, this pager's, a user's page within bounds
    if (content.byteSize() != file.pageSize()) {
      throw new IllegalArgumentException(
          "a page of " + file.describe() + " is " + file.pageSize() + " bytes, not " + content.byteSize());
    }
    file.write(id.index(), content);
  }

  /**
   * Returns the lean read path: values read by page index and offset, with no handle or view per
   * read, for structures that read many small values (see {@link PageReader} for what it checks
   * and what it does not). Needs no lock; share one reader between threads.
   *
   * @return a reader of this pager's pages
   * @throws IllegalStateException when the pager is closed
   */
  public PageReader reader() {
    return new PageReader(this);
  }

  /** What a {@link PageReader} may read without asking again: see {@link PageReader.Span}. */
  PageReader.Span readerSpan() {
    checkOpen();
    MemorySegment region = file.firstRegion();
    int shift = Integer.numberOfTrailingZeros(file.pageSize());
    long pages = Math.min(accessiblePageCount, region.byteSize() >>> shift);
    // Never below the first data page: the span's unsigned comparison relies on it.
    return new PageReader.Span(region, Math.max(pages, Format.FIRST_DATA_PAGE), shift);
  }

  /**
   * A {@link PageReader}'s slow path: the view of a page with the checks of {@link #page(long)},
   * except the one for the pager's own pages, which a read cannot damage.
   */
  MappedPage pageForReading(long index) {
    checkOpen();
    checkIndex(index);
    return new MappedPage(new PageId(index, this), file.page(index));
  }

  /**
   * Turns a stored page index back into a handle, for structures that keep page numbers on
   * disk. Only the bounds are checked: whether the page is allocated is the caller's knowledge
   * (ask {@link #isAllocated} when in doubt).
   *
   * @param index the page's index
   * @return a handle of this pager
   * @throws ReservedPageException when the index names the superblock or a metadata page
   * @throws PageOutOfBoundsException when the index is at or past the page count
   */
  public PageId pageId(long index) {
    checkOpen();
    checkIndex(index);
    return new PageId(index, this);
  }

  /**
   * Tells whether a page is allocated to a user (not free, and not one of the pager's own).
   *
   * @param id a page handle of this pager
   * @return true when allocated
   * @throws IOException when the free-space tree cannot be read
   */
  public boolean isAllocated(PageId id) throws IOException {
    checkOwn(id);
    checkIndex(id.index());
    writeLock.lock();
    try {
      checkOpen();
      return !tree.isOwnPage(id.index()) && tree.isInUse(id.index());
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Calls {@code action} with every allocated user page, in increasing order, as of the last
   * commit (or the calling thread's open transaction). Holds the writer lock meanwhile.
   *
   * @param action what to do with each page
   * @throws IOException when the free-space tree cannot be read
   */
  public void forEachAllocated(Consumer<PageId> action) throws IOException {
    writeLock.lock();
    try {
      checkOpen();
      TreeWalker walker = new TreeWalker(tree.bits(), tree.pageCount());
      walker.forEachSetBit(index -> {
        if (index >= Format.FIRST_DATA_PAGE && !tree.isOwnPage(index)) {
          action.accept(new PageId(index, this));
        }
      });
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Returns every allocated user page, in increasing order; see {@link #forEachAllocated}.
   *
   * @return the handles
   * @throws IOException when the free-space tree cannot be read
   */
  public List<PageId> allocatedPages() throws IOException {
    List<PageId> ids = new ArrayList<>();
    forEachAllocated(ids::add);
    return ids;
  }

  /**
   * Checks the whole free-space tree: every checksum, every header, the FULL flags, the free
   * count the metadata records, and that every tree page is marked in use; and the pending list:
   * its checksums, that its pages are in use, and that every page it lists is free.
   *
   * @return what was found
   * @throws IOException when a node cannot be read at all
   */
  public TreeReport verify() throws IOException {
    return verify(fraction -> {});
  }

  /**
   * Checks the whole free-space tree, as {@link #verify()} does, telling {@code progress} how
   * far it got (a fraction from 0 to 1) after each leaf: for tools that show a progress bar on
   * large files.
   *
   * @param progress called on the calling thread, with the writer lock held; keep it quick
   * @return what was found
   * @throws IOException when a node cannot be read at all
   */
  public TreeReport verify(DoubleConsumer progress) throws IOException {
    writeLock.lock();
    try {
      checkOpen();
      TreeWalker walker = new TreeWalker(tree.bits(), tree.pageCount()).withProgress(progress).check();
      List<String> problems = new ArrayList<>(walker.problems());
      for (long page : walker.nodePages()) {
        if (page < Format.FIRST_DATA_PAGE || page >= tree.pageCount()) {
          problems.add("free-space tree node page " + page + " lies outside the data pages");
        } else if (walker.isKnownClear(page)) {
          problems.add("free-space tree node page " + page + " is marked free");
        }
      }
      PendingList.Contents list = verifyPendingList(walker, problems);
      for (long page = 0; page < Format.FIRST_DATA_PAGE; page++) {
        if (walker.isKnownClear(page)) {
          problems.add("reserved page " + page + " is marked free");
        }
      }
      long countedFree = tree.pageCount() - walker.setBits();
      if (countedFree != tree.freeCount()) {
        problems.add("metadata records " + tree.freeCount() + " free pages, the tree holds " + countedFree);
      }
      long pendingPages = list.pendingRuns().stream().mapToLong(PendingList.Run::length).sum();
      return new TreeReport(
          tree.pageCount(), tree.freeCount(), countedFree, tree.height(), walker.nodePages().size(),
          list.pages().size(), pendingPages, problems);
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Checks the committed pending list: its chain, that its chain pages are in use, no tree node,
   * and each hold a pending run, and that every page it lists as still pending is free (a chain page may keep runs the
   * reuse rule has released since, whose pages may be in use again). Adds what is wrong to {@code
   * problems}.
   *
   * @return the list as read, empty when it cannot be read
   */
  private PendingList.Contents verifyPendingList(TreeWalker walker, List<String> problems) throws IOException {
    PendingList.Contents list;
    try {
      list = PendingList.read(file, committed);
    } catch (PageFileException e) {
      problems.add(e.getMessage());
      return PendingList.Contents.EMPTY;
    }
    for (long page : list.pages()) {
      if (walker.isKnownClear(page)) {
        problems.add("pending list page " + page + " is marked free");
      }
      if (walker.nodePages().contains(page)) {
        problems.add("pending list page " + page + " is also a free-space tree node");
      }
    }
    for (PendingList.ChainPage page : list.chain()) {
      if (page.runs().stream().noneMatch(run -> run.freedBy() > list.root().releasedThrough())) {
        // Every commit cuts such pages (FORMAT.md, "Pending list"): kept, both records could
        // share one, and its damage alone would leave neither usable.
        problems.add("pending list page " + page.page() + " holds no pending run, but the chain keeps it");
      }
    }
    for (PendingList.Run run : list.pendingRuns()) {
      for (long page = run.first(); page < run.first() + run.length(); page++) {
        if (walker.isKnownSet(page)) {
          problems.add("page " + page + " is pending (freed by generation " + run.freedBy() + ") but marked in use");
        }
      }
    }
    return list;
  }

  /**
   * Makes every page write so far durable, without a commit. Not needed before a commit, which
   * syncs them anyway.
   *
   * @throws PagerUnavailableException when the sync fails (the pager then refuses further work)
   */
  public void sync() throws IOException {
    checkWritable();
    try {
      file.syncAll(SyncReason.PAGE_WRITES);
    } catch (IOException e) {
      throw poison(new PagerUnavailableException(file.describe() + ": sync failed; reopen to recover", e));
    }
  }

  /**
   * Returns a read-only view of the bitmap kept under root slots {@code slot} and {@code slot +
   * 1}, as of the last commit (see {@link PersistentBitmap}). Each of its calls takes the writer
   * lock briefly; to change the bitmap, use {@link Transaction#bitmap(int)}.
   *
   * @param slot the first of the bitmap's two root slots, from 0 to {@link Transaction#ROOT_SLOTS} - 2
   * @return the view
   */
  public PersistentBitmap readBitmap(int slot) {
    Transaction.checkStructureSlot(slot);
    checkOpen();
    MetadataRecord record = committed;
    return new PersistentBitmap(
        viewAccess, slot, RootedStructure.tree(file, cache, slot, 0, record.root(slot), record.root(slot + 1)), false);
  }

  /**
   * Returns a read-only view of the record array kept under root slots {@code slot} and {@code
   * slot + 1}, as of the last commit (see {@link PersistentArray}). Each of its calls takes the
   * writer lock briefly; to change the array, use {@link Transaction#array(int, int)}.
   *
   * @param slot the first of the array's two root slots, from 0 to {@link Transaction#ROOT_SLOTS} - 2
   * @param recordSize the array's record size, as it was created with
   * @return the view
   * @throws IllegalStateException when the slots hold a structure of another kind or record size
   */
  public PersistentArray readArray(int slot, int recordSize) {
    Transaction.checkStructureSlot(slot);
    PersistentArray.checkRecordSize(recordSize);
    checkOpen();
    MetadataRecord record = committed;
    return new PersistentArray(
        viewAccess, slot, RootedStructure.tree(file, cache, slot, recordSize, record.root(slot), record.root(slot + 1)), false);
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshots

  /**
   * Takes a snapshot of the last commit: a read view that keeps seeing exactly that commit
   * (allocation state, root values, persistent bitmaps and arrays, and the pages it reaches)
   * however many commits follow, until it is closed. Taking one reads and syncs nothing.
   *
   * <p>While it is open, no page that its commit reaches is handed out again (the reuse rule,
   * FORMAT.md "Pending pages"), so a snapshot left open makes the file grow: close it. Pages the
   * pager never reuses but a user writes in place are the user's own: a snapshot sees those
   * writes.
   *
   * @return the snapshot; any thread may use it, and many may be open at once
   * @throws IllegalStateException when the pager is closed
   */
  public Snapshot snapshot() {
    checkOpen();
    MetadataRecord record = pins.pin(() -> committed);
    return new Snapshot(this, file, geometry, record);
  }

  /**
   * Writes a copy of the last commit to a new file while the pager goes on (an online backup):
   * takes a snapshot, copies it with {@link Snapshot#copyTo}, and closes it.
   *
   * @param target the copy's path; its directory must exist and the file must not
   * @param options trimming, holes and progress
   * @return what was written
   * @throws java.nio.file.FileAlreadyExistsException when the target exists (it is left alone)
   * @throws IOException when the copy cannot be written; see {@link Snapshot#copyTo}
   */
  public CopyReport copyTo(Path target, CopyOptions options) throws IOException {
    try (Snapshot snapshot = snapshot()) {
      return snapshot.copyTo(target, options);
    }
  }

  /** Called once by each snapshot's close. */
  void unpin(long generation) {
    pins.unpin(generation);
    if (options.readOnly()) {
      publishOldestRead();
    }
  }

  /**
   * Returns the generation of the oldest open snapshot of this pager: pages freed by later commits
   * are held for it. Readers in other pagers and processes are counted by {@link
   * #oldestReaderGeneration()}.
   *
   * @return the generation, or {@link Long#MAX_VALUE} when no snapshot is open
   */
  public long oldestSnapshotGeneration() {
    return pins.oldest();
  }

  /**
   * Returns the number of snapshots open now.
   *
   * @return the count
   */
  public int openSnapshots() {
    return pins.count();
  }

  /**
   * Returns how many freed pages are held back for readers: pages the reuse rule would hand out
   * again but for an open snapshot of this pager, or a live registered reader of the file (a
   * read-only pager, here or in another process; see {@link #oldestReaderGeneration()}), older
   * than the commit that freed them. A number that keeps growing means a snapshot or a reader was
   * forgotten, and the file grows with it.
   *
   * @return the page count, as of the last commit or transaction start, whichever came last
   *     (readers that closed since are counted until then); 0 for a read-only pager
   * @throws IOException never, in this version
   */
  public long pagesHeldForSnapshots() throws IOException {
    return underLock(() -> pending.heldForSnapshots(committed.generation));
  }

  /**
   * Summarises the pending list of this pager's commit (FORMAT.md, "Pending list"): the pages it
   * names, the pages it occupies, and how many of the named ones only a live registered reader
   * older than their freeing commit keeps from reuse. Works on a read-only pager too, which is how
   * {@code pager info} shows what readers hold back in a writer's file.
   *
   * @return the counts
   * @throws IllegalStateException when the pager is closed
   */
  public PendingPages pendingPages() {
    checkOpen();
    PendingList.Contents list = committedPendingList;
    long oldestReader = oldestReaderGeneration();
    long generation = committed.generation;
    long pendingCount = 0;
    long held = 0;
    for (PendingList.Run run : list.pendingRuns()) {
      pendingCount += run.length();
      if (run.freedBy() < generation && run.freedBy() > oldestReader) {
        held += run.length();
      }
    }
    return new PendingPages(pendingCount, list.pages().size(), held);
  }

  // ---------------------------------------------------------------------------------------------
  // Readers in other processes (FORMAT.md, "The lock file")

  /**
   * Returns the oldest generation that a live registered reader reads: a read-only pager of this
   * file, in this process or another, other than this pager. A writer holds the pages freed after
   * that generation for it ({@link #pagesHeldForSnapshots()}). Snapshots of this pager are counted
   * by {@link #oldestSnapshotGeneration()} instead. Reads the reader table now; a writer clears
   * the slots of readers that are gone as it meets them.
   *
   * @return the generation, or {@link Long#MAX_VALUE} when no other reader is registered, or the
   *     file has no reader table (a simulated storage)
   * @throws IllegalStateException when the pager is closed
   */
  public long oldestReaderGeneration() {
    checkOpen();
    return readers.oldest();
  }

  /**
   * Returns how many read-only pagers of this file, in this process or others, other than this
   * pager, are registered and alive now.
   *
   * @return the count; 0 when the file has no reader table
   * @throws IllegalStateException when the pager is closed
   */
  public int liveReaders() {
    checkOpen();
    return readers.live();
  }

  /**
   * Tells whether this read-only pager holds a slot in its file's reader table, so that a writer
   * in any process keeps the pages it reads. A read-only pager is unregistered when its lock file
   * cannot be created or opened for writing (a read-only directory, permissions) or its storage
   * has none (a simulated one): it still reads, but the writer may reuse the pages of its commit
   * once it has committed twice more, and a read that meets such a page throws {@link
   * StaleViewException}. The read-only view a repair gives its {@link PageFileRepair.StructureCheck}
   * counts as registered too: the repair holds the writer lock, so nothing reuses its pages.
   *
   * @return true for a registered read-only pager; false for a writer and an unregistered reader
   */
  public boolean isRegisteredReader() {
    return readers.isRegistered();
  }

  /**
   * Moves a read-only pager to the newest commit of its file: reads the records again (as open
   * does, retrying while a writer changes them), then shows that commit's allocation state, root
   * values and structures, and publishes it in the reader table, so that the writer may hand out
   * the pages only the older commit reached.
   *
   * <p>Snapshots taken before keep their commit, and stay registered with it: the pager's slot
   * publishes the oldest generation it still reads. Views taken from the pager itself before
   * (page views of pages only the older commit reached, {@link #readBitmap}, {@link #readArray})
   * read the older commit, which is no longer protected: take them again.
   *
   * @return true when the pager moved to a newer commit; false when its commit is still the newest
   * @throws IllegalStateException when the pager is open for writing (it always reads its own
   *     last commit), or closed
   * @throws CorruptMetadataException when the newest usable record is not the newest record (the
   *     newest copy, or its free-space tree root or pending list, is damaged: the metadata pages
   *     held the same bytes when read again, so no writer was moving on); the pager stays at its
   *     commit
   * @throws IOException when the file cannot be read; the pager stays at its commit
   */
  public boolean refresh() throws IOException {
    if (!options.readOnly()) {
      throw new IllegalStateException(
          "refresh() moves a read-only pager to the newest commit; " + file.describe()
              + " is open for writing here and always reads its own last commit");
    }
    writeLock.lock();
    try {
      checkOpen();
      long current = committed.generation;
      PageFileOpener.Opened newest = PageFileOpener.reread(file, superblockRecovered);
      MetadataRecord record = newest.record();
      if (record.generation == current && !newest.fellBack()) {
        return false;
      }
      if (record.generation < current || newest.fellBack()) {
        // Not a writer caught between two stores: reread trusts such a read only when the
        // metadata pages held the same bytes when read again.
        throw new CorruptMetadataException(
            file.describe() + ": the newest metadata copy cannot be used, and the usable copy has generation "
                + record.generation + "; this pager stays at generation " + current + ". " + newest.recovery());
      }
      // Every node of the new commit's tree is read here; the slot, which publishes a generation
      // no newer than this pager's commit, keeps them as they are (a page is freed after it).
      Set<Long> nodes = TreeNodePages.of(
          new CopyOnWriteTree(file, geometry, cache, record.treeRoot, record.treeRootCrc, record.treeHeight),
          newest.pendingList().pages()).toSet();
      Set<Long> gone = treeNodePages.toSet();
      Set<Long> added = new HashSet<>(nodes);
      added.removeAll(gone);
      gone.removeAll(nodes);
      treeNodePages.apply(added, gone);
      committedPendingList = newest.pendingList();
      committed = record;
      accessiblePageCount = record.pageCount;
      tree = newWorkingTree();
      publishOldestRead();
      return true;
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Returns how many commits are sealed and waiting for the next flush now: the size of the next
   * group so far (see {@link Transaction#commit()}). A gauge for monitoring, and what a test waits
   * on to know that other threads' commits will share a flush.
   *
   * @return the number of commits queued, not counting those of a flush in progress
   */
  public int commitsAwaitingFlush() {
    return groups.queued();
  }

  /**
   * Returns the oldest generation that an open snapshot of this pager or a live registered reader
   * of the file reads: what a layer that reuses or rewrites bytes in place must leave alone (the
   * protected pages' in-place staging, the sub-page reuse rule). Reads the reader table now.
   *
   * @return the generation, or {@link Long#MAX_VALUE} when nothing is pinned
   * @throws IllegalStateException when the pager is closed
   */
  public long oldestPinnedGeneration() {
    checkOpen();
    return oldestPinned();
  }

  /**
   * The reuse rule's readers, in one place: the oldest generation that an open snapshot of this
   * pager or a live registered reader of the file reads (FORMAT.md, "Pending pages"). A writer
   * asks after it published its last commit, as the reader table's protocol requires.
   */
  private long oldestPinned() {
    // Commits sealed but not yet flushed are not durable: a crash reopens at the last durable
    // one, D, or falls back to its alternate, D - 1, so the pages of both stay untouched, as if
    // a reader read D - 1 (FORMAT.md, "Group commit"). D is read before the reader table: a
    // reader that registers after the scan reads D or a newer commit, which D - 1 covers; read
    // after it, a flush in between could move D past a reader the scan missed.
    long durable = protocol.durableGeneration();
    long pinned = Math.min(pins.oldest(), readers.oldest());
    return durable < committed.generation ? Math.min(pinned, durable - 1) : pinned;
  }

  /**
   * A read-only pager publishes the oldest generation it still reads, its commit or an older
   * snapshot's, in its slot (and to the judge of failed reads). Under one lock, so that of two
   * threads publishing, the later one's value stands; the value never decreases, since a new
   * snapshot pins the pager's commit.
   */
  private void publishOldestRead() {
    synchronized (readers) {
      long oldest = Math.min(committed.generation, pins.oldest());
      readers.publish(oldest);
      if (!readers.isRegistered()) {
        file.readsViewOf(oldest);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Statistics

  /**
   * Returns what this pager has done to its file since it was opened or created: commits, the
   * pages they wrote, syncs and growths (see {@link PagerCounters}). The same facts, commit by
   * commit and with their durations, are in the pager's flight recorder events (the README,
   * "Observability"). Needs no lock; also works after close.
   *
   * @return the counts now; while a commit runs on another thread they may include part of it
   */
  public PagerCounters counters() {
    return file.counters().snapshot();
  }

  /**
   * Returns the page size in bytes.
   *
   * @return the page size
   */
  public int pageSize() {
    return file.pageSize();
  }

  /**
   * Returns the number of pages in the file as of the last commit, the reserved ones included.
   *
   * @return the page count
   */
  public long pageCount() {
    return committed.pageCount;
  }

  /**
   * Returns the number of free pages as of the last commit. Pages freed by the last commit are
   * counted, although they are handed out only after the next one.
   *
   * @return the free page count
   */
  public long freePageCount() {
    return committed.freeCount;
  }

  /**
   * Returns the generation of the last commit; it grows by one with each commit.
   *
   * @return the generation
   */
  public long generation() {
    return committed.generation;
  }

  /**
   * Returns a root value as of the last commit.
   *
   * @param slot from 0 to {@link Transaction#ROOT_SLOTS} - 1
   * @return the value; 0 when never set
   */
  public long root(int slot) {
    Transaction.checkSlot(slot);
    return committed.root(slot);
  }

  /**
   * Tells whether open found the newest metadata copy damaged (it passed its own checksum, but
   * its free-space tree root did not) and started from the other copy, the commit before it. The
   * next commit overwrites the damaged copy. A copy that fails its own checksum is not a fallback:
   * it is a commit that never completed (see FORMAT.md, "Recovery").
   *
   * @return true after such a fallback
   */
  public boolean openedFromAlternate() {
    return openedFromAlternate;
  }

  /**
   * Tells whether page 0, which names the format and page size, failed its checks at open and the
   * page size was taken from the metadata copies instead, each of which repeats it. A writer
   * rewrites page 0 with its next commit.
   *
   * @return true when the superblock was damaged
   */
  public boolean superblockRecovered() {
    return superblockRecovered;
  }

  /**
   * For a read-only pager beside a writer: throws {@link StaleViewException} when the writer has
   * committed twice since the commit this pager reads, so that pages reachable from it may have
   * been handed out again and rewritten. A layer that finds a check failing on something it read
   * calls this before reporting corruption, so that a reused page is not reported as damage. Does
   * nothing for a writable pager, whose pages no one else reuses, nor for a registered reader
   * ({@link #isRegisteredReader()}), whose commit the writer keeps whole.
   *
   * @param what what was being read, for the message
   * @throws StaleViewException when the view is stale
   */
  public void requireCurrentView(String what) throws StaleViewException {
    checkOpen();
    file.requireCurrentView(what);
  }

  /**
   * Returns the newest generation committed to the file, read from its metadata pages now: for a
   * read-only pager beside a writer, how far the writer has gone past {@link #generation()}; for a
   * writable pager, its own generation. A layer whose pages are rewritten in place sooner than
   * the pager's reuse rule allows (protected pages stage into their inactive copy one commit
   * later) compares it with {@link #generation()} to tell a stale read from damage.
   *
   * @return the generation
   */
  public long fileGeneration() {
    checkOpen();
    return options.readOnly() ? Math.max(committed.generation, file.newestGeneration()) : committed.generation;
  }

  /**
   * Returns the durability of this pager's commits.
   *
   * @return the durability
   */
  public Durability durability() {
    return options.durability();
  }

  /**
   * Tells whether the pager was opened read-only.
   *
   * @return true for read-only
   */
  public boolean isReadOnly() {
    return options.readOnly();
  }

  /**
   * Returns the name of the file, as its storage describes it.
   *
   * @return the name
   */
  public String describe() {
    return file.describe();
  }

  @Override
  public String toString() {
    return "Pager[" + file.describe() + ", pageSize=" + pageSize() + ", pageCount=" + pageCount()
        + ", generation=" + generation() + "]";
  }

  // ---------------------------------------------------------------------------------------------
  // Transaction support, under the writer lock

  PageId txAlloc() throws IOException {
    return new PageId(tree.allocate(), this);
  }

  PageId txAllocRun(long count) throws IOException {
    if (count < 1) {
      throw new IllegalArgumentException("a run needs at least one page, not " + count);
    }
    return new PageId(tree.allocateRun(count), this);
  }

  void txEnsurePageCount(long pageCount) throws IOException {
    tree.ensurePageCount(pageCount);
  }

  /** Requires a handle of this pager, within its pages. */
  void txCheckOwn(PageId id) {
    checkOwn(id);
    checkIndex(id.index());
  }

  /** Requires a page that a user may free: allocated, and not one of the pager's own. */
  void txCheckFreeable(long page) throws IOException {
    if (!tree.isInUse(page)) {
      throw new DoubleFreeException("page " + page + " of " + file.describe() + " is already free");
    }
    if (tree.isOwnPage(page)) {
      throw new ReservedPageException(
          "page " + page + " of " + file.describe()
              + " is one of the pager's own (a free-space tree node or a pending list page), not a user's");
    }
  }

  void txFree(long page) throws IOException {
    tree.release(page);
  }

  /** A commit sealed under the writer lock, to be made durable by {@link #txAwaitDurable}. */
  record Sealed(CommitGroups.Member member, CommitTrace trace, long generation) {}

  /**
   * Steps 1 and 2 of the commit protocol, under the writer lock: the changes become the state
   * that the next transaction builds on, and join the queue of commits to flush.
   */
  Sealed txSeal(long[] newRoots, Collection<RootedStructure> structures) throws IOException {
    checkWritable();
    CommitTrace trace = new CommitTrace(file, options.durability());
    boolean structuresChanged = structures.stream().anyMatch(structure -> structure.tree().isDirty());
    if (!tree.isDirty() && !structuresChanged && Arrays.equals(newRoots, committed.roots())) {
      // Nothing to record, but the promise stands: page writes before a commit are durable after
      // it, so it waits for a flush too.
      return new Sealed(groups.join(null), trace, committed.generation);
    }
    MetadataRecord next = protocol.seal(tree, structures, newRoots, oldestPinned(), trace);
    committedPendingList = tree.publishOwnPages();
    committedCatalog.committed(committed, next);
    committed = next;
    // After publishing: a snapshot taken from now on pins this commit or a later one, and a reader
    // registering from now on either is seen by this scan or sees this commit (oldestPinned).
    tree.lowerCursor(pending.commitDurable(next.generation, oldestPinned()));
    committedCursor = tree.cursor();
    accessiblePageCount = next.pageCount;
    return new Sealed(groups.join(next), trace, next.generation);
  }

  /**
   * After a flush: pages whose reuse waited for it (see {@link #oldestPinned}) are released now
   * if no transaction is open, so that counts such as {@link #pagesHeldForSnapshots} are right
   * once a commit returns; otherwise the next transaction's start releases them. Never waits for
   * the lock: the flushing thread's group is waiting for it.
   */
  private void releaseAfterFlush() {
    if (writeLock.tryLock()) {
      try {
        if (!closed) {
          releasePending();
        }
      } finally {
        writeLock.unlock();
      }
    }
  }

  /**
   * Under the writer lock: hands out again the pending pages the reuse rule now allows. The
   * search for a free page starts at the lowest of them, in this transaction and, should it roll
   * back, in the next: the lowest free page is what an allocation returns.
   */
  private void releasePending() {
    long lowest = pending.release(committed.generation, oldestPinned());
    tree.lowerCursor(lowest);
    committedCursor = Math.min(committedCursor, lowest);
  }

  /** Steps 3 to 5, without the writer lock: returns when the sealed commit is durable. */
  void txAwaitDurable(Sealed sealed) throws PagerUnavailableException {
    CommitGroups.Group group;
    try {
      group = groups.awaitDurable(sealed.member());
    } catch (PagerUnavailableException e) {
      throw poison(e);
    }
    sealed.trace().durable(sealed.generation(), sealed.member().record != null, group);
  }

  /** Drops every change since the last commit. */
  void txRollback() {
    pending.rollback();
    tree = newWorkingTree();
    accessiblePageCount = committed.pageCount;
  }

  PersistentBitmap txBitmap(int slot, long rootPage, long rootMeta) {
    return new PersistentBitmap(transactionAccess, slot, RootedStructure.tree(file, cache, slot, 0, rootPage, rootMeta), true);
  }

  /** Under the writer lock of a transaction: the root catalog of the last commit, read once per change. */
  RootCatalog txCommittedCatalog() throws IOException {
    return committedCatalog.get(this);
  }

  PersistentArray txArray(int slot, int recordSize, long rootPage, long rootMeta) {
    return new PersistentArray(
        transactionAccess, slot, RootedStructure.tree(file, cache, slot, recordSize, rootPage, rootMeta), true);
  }

  /** A read that may fail with an I/O error; see {@link #underLock}. */
  @FunctionalInterface
  interface IoSupplier<T> {
    T get() throws IOException;
  }

  /** Runs a read of structures the writer lock guards. */
  <T> T underLock(IoSupplier<T> action) throws IOException {
    writeLock.lock();
    try {
      checkOpen();
      return action.get();
    } finally {
      writeLock.unlock();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Compaction support (PageFileCompaction), the first two under the writer lock of a transaction

  /** Makes the free-space tree's nodes stored at {@code firstPage} or past it move at commit. */
  int txMoveOwnNodesFrom(long firstPage) throws IOException {
    return tree.moveNodesFrom(firstPage);
  }

  /** The lowest allocatable page below {@code limit}, allocated; -1 when there is none. */
  long txAllocateBelow(long limit) throws IOException {
    return tree.allocateBelow(limit);
  }

  /** Sets the page count this transaction commits; see {@link FreeSpaceTree#shrinkTo}. */
  void txShrinkTo(long pageCount) throws IOException {
    tree.shrinkTo(pageCount);
  }

  /** From now on, a transaction that would grow the file fails with {@link GrowFailedException}. */
  void forbidGrowth() {
    growthForbidden = true;
  }

  /** Calls {@code action} with every page in use as of the last commit, own pages included. */
  void forEachPageInUse(java.util.function.LongConsumer action) throws IOException {
    writeLock.lock();
    try {
      checkOpen();
      new TreeWalker(tree.bits(), tree.pageCount()).forEachSetBit(action);
    } finally {
      writeLock.unlock();
    }
  }

  /** The pager's own pages (tree nodes, pending list pages) as of the last commit. */
  Set<Long> ownPages() {
    return treeNodePages.toSet();
  }

  /** The pending list of the last commit. */
  PendingList.Contents committedPendingList() {
    return committedPendingList;
  }

  /** The file underneath, for compaction's checks of the records it wrote and its last cut. */
  MappedFile mappedFile() {
    return file;
  }

  /** The pages of the free-space tree's nodes as of the last commit, for tests. */
  Set<Long> treeNodePagesForTests() {
    return treeNodePages.toSet();
  }

  void checkUsable() {
    checkOpen();
  }

  void txEnd() {
    writeLock.unlock();
  }

  private FreeSpaceTree newWorkingTree() {
    return new FreeSpaceTree(
        file, geometry, pending, cache, this::growFile, committed, treeNodePages, committedPendingList, committedCursor);
  }

  private void growFile(long oldPageCount, long newPageCount) throws GrowFailedException {
    if (growthForbidden) {
      throw new GrowFailedException(
          file.describe() + ": compaction never grows the file (from " + oldPageCount + " to " + newPageCount
              + " pages)",
          new IOException("growth forbidden during compaction"));
    }
    try {
      file.grow(oldPageCount, newPageCount, !options.sparse());
    } catch (IOException e) {
      throw new GrowFailedException(
          file.describe() + ": could not grow from " + oldPageCount + " to " + newPageCount
              + " pages: " + e.getMessage(),
          e);
    }
    accessiblePageCount = Math.max(accessiblePageCount, newPageCount);
  }

  private PagerUnavailableException poison(PagerUnavailableException e) {
    poison = e;
    return e;
  }

  // ---------------------------------------------------------------------------------------------
  // Checks

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("pager is closed: " + file.describe());
    }
  }

  private void checkWritable() throws PagerUnavailableException {
    checkOpen();
    if (options.readOnly()) {
      throw new ReadOnlyPagerException(file.describe() + " is open read-only");
    }
    PagerUnavailableException failed = poison;
    if (failed != null) {
      throw new PagerUnavailableException(
          file.describe() + " is unavailable after a failed sync; reopen it to recover", failed);
    }
  }

  private void checkOwn(PageId id) {
    if (!id.belongsTo(this)) {
      throw new ForeignPageException(id + " was made by another pager, not by the one on " + file.describe());
    }
  }

  private void checkIndex(long index) {
    if (index < Format.FIRST_DATA_PAGE) {
      throw new ReservedPageException(
          "page " + index + " of " + file.describe() + " is reserved (superblock and metadata are pages 0 to 2)");
    }
    if (index >= accessiblePageCount) {
      throw new PageOutOfBoundsException(
          "page " + index + " is out of bounds: " + file.describe() + " has " + accessiblePageCount + " pages");
    }
  }
}
