package io.github.pager.core;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A read view of one commit that stays exactly as it was while the writer goes on committing:
 * its allocation state, root values, persistent bitmaps and arrays, and the pages that commit
 * reaches. Taken by {@link Pager#snapshot()}; close it when done.
 *
 * <pre>{@code
 * try (Snapshot snapshot = pager.snapshot()) {
 *   long root = snapshot.root(0);                 // as of the snapshot's commit
 *   MappedPage node = snapshot.page(snapshot.pageId(root));
 *   ...                                           // the writer may commit meanwhile
 * }
 * }</pre>
 *
 * <p>It costs no I/O to take. While it is open, the pager hands out no page its commit reaches:
 * pages freed by later commits stay pending until every older snapshot is closed. A snapshot of a
 * read-only pager keeps its commit registered in the file's reader table, across {@link
 * Pager#refresh()}, so that the writer, in whatever process, does the same. Page views are
 * read-only. Its methods may be called from any thread; its reads of tree nodes are serialized
 * per snapshot.
 */
public final class Snapshot implements AutoCloseable {
  private final Pager pager;
  private final MappedFile file;
  private final TreeGeometry geometry;
  private final MetadataRecord record;
  private final NodeCache cache = new NodeCache();
  private final AtomicBoolean closed = new AtomicBoolean();
  private @Nullable TreeNodePages nodePages;

  /** Reads of a snapshot's trees: serialized on the snapshot, which owns their node cache. */
  private final RootedStructure.Access access =
      new RootedStructure.Access() {
        @Override
        public <T> T read(Pager.IoSupplier<T> action) throws IOException {
          synchronized (Snapshot.this) {
            checkOpen();
            return action.get();
          }
        }

        @Override
        public void checkUsable() {
          checkOpen();
        }
      };

  Snapshot(Pager pager, MappedFile file, TreeGeometry geometry, MetadataRecord record) {
    this.pager = pager;
    this.file = file;
    this.geometry = geometry;
    this.record = record;
  }

  /**
   * Returns the generation of the commit this snapshot shows.
   *
   * @return the generation
   */
  public long generation() {
    return record.generation;
  }

  /**
   * Returns the page count of the snapshot's commit.
   *
   * @return the page count, reserved pages included
   */
  public long pageCount() {
    return record.pageCount;
  }

  /**
   * Returns the free page count of the snapshot's commit.
   *
   * @return the free page count
   */
  public long freePageCount() {
    return record.freeCount;
  }

  /**
   * Returns a root value of the snapshot's commit.
   *
   * @param slot from 0 to {@link Transaction#ROOT_SLOTS} - 1
   * @return the value; 0 when never set
   */
  public long root(int slot) {
    Transaction.checkSlot(slot);
    return record.root(slot);
  }

  /**
   * Turns a stored page index into a handle of the snapshot's pager.
   *
   * @param index the page's index
   * @return the handle
   * @throws ReservedPageException when the index names the superblock or a metadata page
   * @throws PageOutOfBoundsException when the index is at or past the snapshot's page count
   */
  public PageId pageId(long index) {
    checkOpen();
    checkIndex(index);
    return pager.pageId(index);
  }

  /**
   * Returns a read-only view of a page as the snapshot's commit left it (unless a user wrote the
   * page in place since).
   *
   * @param id a page handle of the snapshot's pager
   * @return the view; writes throw {@link ReadOnlyPagerException}
   * @throws ForeignPageException when the handle comes from another pager
   * @throws PageOutOfBoundsException when the page is at or past the snapshot's page count
   */
  public MappedPage page(PageId id) {
    checkOpen();
    if (!id.belongsTo(pager)) {
      throw new ForeignPageException(id + " was made by another pager, not by the one on " + file.describe());
    }
    checkIndex(id.index());
    MemorySegment segment = file.page(id.index()).asReadOnly();
    return new MappedPage(id, segment);
  }

  /**
   * Tells whether a page was allocated to a user in the snapshot's commit.
   *
   * @param id a page handle of the snapshot's pager
   * @return true when allocated then
   * @throws IOException when the free-space tree cannot be read
   */
  public boolean isAllocated(PageId id) throws IOException {
    checkIndex(id.index());
    return access.read(() -> !nodePages().contains(id.index()) && freeSpace().isSet(id.index()));
  }

  /**
   * Calls {@code action} with every page allocated to a user in the snapshot's commit, in
   * increasing order.
   *
   * @param action what to do with each page
   * @throws IOException when the free-space tree cannot be read
   */
  public void forEachAllocated(Consumer<PageId> action) throws IOException {
    access.read(() -> {
      TreeNodePages nodes = nodePages();
      new TreeWalker(freeSpace(), record.pageCount).forEachSetBit(index -> {
        if (index >= Format.FIRST_DATA_PAGE && !nodes.contains(index)) {
          action.accept(pager.pageId(index));
        }
      });
      return Boolean.TRUE;
    });
  }

  /**
   * Returns the bitmap under root slots {@code slot} and {@code slot + 1} as of the snapshot's
   * commit; usable until the snapshot is closed.
   *
   * @param slot the first of the bitmap's two root slots
   * @return the read-only bitmap
   */
  public PersistentBitmap readBitmap(int slot) {
    Transaction.checkStructureSlot(slot);
    checkOpen();
    return new PersistentBitmap(
        access, slot, RootedStructure.tree(file, cache, slot, 0, record.root(slot), record.root(slot + 1)), false);
  }

  /**
   * Returns the record array under root slots {@code slot} and {@code slot + 1} as of the
   * snapshot's commit; usable until the snapshot is closed.
   *
   * @param slot the first of the array's two root slots
   * @param recordSize the array's record size, as it was created with
   * @return the read-only array
   * @throws IllegalStateException when the slots hold a structure of another kind or record size
   */
  public PersistentArray readArray(int slot, int recordSize) {
    Transaction.checkStructureSlot(slot);
    PersistentArray.checkRecordSize(recordSize);
    checkOpen();
    return new PersistentArray(
        access, slot, RootedStructure.tree(file, cache, slot, recordSize, record.root(slot), record.root(slot + 1)),
        false);
  }

  /**
   * Tells whether this is a snapshot of {@code candidate}: for layers that read through a
   * snapshot and must refuse one of another pager.
   *
   * @param candidate a pager
   * @return true when the snapshot was taken of it
   */
  public boolean isOf(Pager candidate) {
    return pager == candidate;
  }

  /**
   * Writes a copy of the snapshot's commit to a new file, while the writer goes on: an online
   * backup. The copy opens clean at the snapshot's generation (no fallback, both metadata copies
   * valid), with the same allocation state, root values, structures and page contents.
   *
   * <pre>{@code
   * try (Snapshot snapshot = pager.snapshot()) {
   *   CopyReport report = snapshot.copyTo(Path.of("backup.pages"), CopyOptions.defaults());
   * }
   * }</pre>
   *
   * <p>Every page the commit uses is copied; free pages are written as zeros, or left as holes
   * ({@link CopyOptions#withSparse}), and the free pages at the end may be left out ({@link
   * CopyOptions#withTrimFreeTail}). The copy is written beside the target under a temporary name,
   * synced, and only then given the target's name (then the directory is synced): a copy that
   * fails leaves no file behind, and one that returns is durable.
   *
   * <p>Pages the commit reaches do not change while the snapshot is open, except user pages
   * written in place: the copy holds those as they are at the moment it copies them, as a read
   * through {@link #page} would see them. Keep the snapshot open until this returns.
   *
   * <p>On a read-only pager beside a writer in another process, nothing pins the snapshot's pages
   * in that writer: when the writer has gone two commits past the snapshot by the end of the copy
   * (so a page read may have been reused), the copy is abandoned with {@link StaleViewException}.
   *
   * @param target the copy's path; its directory must exist and the file must not
   * @param options trimming, holes and progress
   * @return what was written
   * @throws java.nio.file.FileAlreadyExistsException when the target exists (it is left alone)
   * @throws StaleViewException when a writer in another process may have reused pages read
   * @throws CorruptMetadataException when a node of the snapshot's free-space tree fails its checks
   * @throws IOException when the copy cannot be written; nothing is left behind
   * @throws IllegalStateException when the snapshot is closed, before or during the copy
   */
  public CopyReport copyTo(Path target, CopyOptions options) throws IOException {
    checkOpen();
    return SnapshotCopy.write(file, geometry, record, target, options, this::isOpen);
  }

  /**
   * Tells whether the snapshot is still open.
   *
   * @return true until {@link #close()}
   */
  public boolean isOpen() {
    return !closed.get();
  }

  /** Releases the snapshot: pages held for it become reusable at the writer's next transaction. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      pager.unpin(record.generation);
    }
  }

  @Override
  public String toString() {
    return "Snapshot[" + file.describe() + ", generation=" + record.generation + (isOpen() ? "" : ", closed") + "]";
  }

  /** The commit's free-space tree; read it inside {@link #read}. */
  CopyOnWriteTree freeSpace() {
    return new CopyOnWriteTree(file, geometry, cache, record.treeRoot, record.treeRootCrc, record.treeHeight);
  }

  /** Runs a read of the commit's trees, serialized on the snapshot like its own reads ({@link CommitLayout}). */
  <T> T read(Pager.IoSupplier<T> action) throws IOException {
    return access.read(action);
  }

  MappedFile file() {
    return file;
  }

  MetadataRecord record() {
    return record;
  }

  /**
   * The pager's own pages at the snapshot's commit (tree nodes, pending list), collected on first
   * use: taking a snapshot reads nothing.
   */
  private TreeNodePages nodePages() throws PageFileException {
    TreeNodePages pages = nodePages;
    if (pages == null) {
      pages = TreeNodePages.of(freeSpace(), PendingList.read(file, record).pages());
      nodePages = pages;
    }
    return pages;
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("snapshot of generation " + record.generation + " is closed: " + file.describe());
    }
    pager.checkUsable();
  }

  private void checkIndex(long index) {
    if (index < Format.FIRST_DATA_PAGE) {
      throw new ReservedPageException(
          "page " + index + " of " + file.describe() + " is reserved (superblock and metadata are pages 0 to 2)");
    }
    if (index >= record.pageCount) {
      throw new PageOutOfBoundsException(
          "page " + index + " is out of bounds: the snapshot of " + file.describe() + " has " + record.pageCount + " pages");
    }
  }
}
