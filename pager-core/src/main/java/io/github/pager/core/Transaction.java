package io.github.pager.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Several changes to a pager's allocation state, made durable together by one commit: all of
 * them survive a crash, or none.
 *
 * <p>A transaction holds the pager's writer lock from {@link Pager#begin()} until it is closed or
 * its {@link #commit()} has recorded the changes in memory; the commit then waits for durability
 * without the lock, so that commits of other threads share its syncs (group commit). Closing it
 * without {@link #commit()} rolls every change back. Any failure inside a method of
 * a transaction rolls the whole transaction back at once; later calls on it, other than {@link
 * #close()}, throw {@link IllegalStateException}.
 *
 * <pre>{@code
 * try (Transaction tx = pager.begin()) {
 *   PageId node = tx.alloc();
 *   pager.page(node).putLong(0, payload);
 *   tx.free(oldNode);
 *   tx.setRoot(0, node.index());       // where a layer above finds its structure (a slot no claim covers)
 *   tx.commit();                       // one metadata record for all of it
 * }
 * }</pre>
 *
 * <p>Pages freed in a transaction cannot be allocated again by it; they become allocatable once
 * the commit after this one is durable.
 */
public final class Transaction implements AutoCloseable {
  /** How many 64-bit root values the metadata holds. */
  public static final int ROOT_SLOTS = Format.ROOT_SLOTS;

  private enum State {
    OPEN,
    COMMITTED,
    FAILED,
    CLOSED
  }

  private final Pager pager;
  private final long[] roots;
  private final Map<Integer, RootedStructure> structures = new TreeMap<>();
  private State state = State.OPEN;
  private final List<Runnable> whenSealed = new ArrayList<>();
  private final List<CommitStep> beforeCommit = new ArrayList<>();
  private final Map<Object, Object> layers = new HashMap<>();

  /** The writer lock is held from begin until the commit is sealed or the transaction closed. */
  private boolean holdsLock = true;

  Transaction(Pager pager, long[] roots) {
    this.pager = pager;
    this.roots = roots;
  }

  /**
   * Allocates the lowest free page, growing the file if needed.
   *
   * @return the page's handle
   * @throws GrowFailedException when the file could not grow
   * @throws IOException when the free-space tree cannot be read
   */
  public PageId alloc() throws IOException {
    checkOpen();
    try {
      return pager.txAlloc();
    } catch (IOException | RuntimeException e) {
      failed();
      throw e;
    }
  }

  /**
   * Allocates {@code count} pages, lowest first.
   *
   * @param count how many, zero or more
   * @return the handles, in increasing order
   * @throws IOException when the file could not grow or the tree cannot be read
   */
  public List<PageId> allocBulk(int count) throws IOException {
    checkOpen();
    if (count < 0) {
      throw new IllegalArgumentException("cannot allocate " + count + " pages");
    }
    try {
      List<PageId> ids = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        ids.add(pager.txAlloc());
      }
      return ids;
    } catch (IOException | RuntimeException e) {
      failed();
      throw e;
    }
  }

  /**
   * Allocates the lowest run of {@code count} consecutive free pages, growing the file if needed.
   *
   * @param count how many pages, one or more
   * @return the handle of the first page of the run
   * @throws IOException when the file could not grow or the tree cannot be read
   */
  public PageId allocRun(long count) throws IOException {
    checkOpen();
    try {
      return pager.txAllocRun(count);
    } catch (IOException | RuntimeException e) {
      failed();
      throw e;
    }
  }

  /**
   * Frees a page.
   *
   * @param id a page this pager allocated and has not freed
   * @throws ForeignPageException when the handle comes from another pager
   * @throws ReservedPageException when the page belongs to the pager itself
   * @throws DoubleFreeException when the page is already free
   * @throws IOException when the tree cannot be read
   */
  public void free(PageId id) throws IOException {
    freeBulk(List.of(id));
  }

  /**
   * Frees several pages, checking every handle before changing anything.
   *
   * @param ids the pages to free
   * @throws DoubleFreeException when a page is free already or listed twice
   * @throws IOException when the tree cannot be read
   */
  public void freeBulk(Collection<PageId> ids) throws IOException {
    checkOpen();
    try {
      long[] pages = new long[ids.size()];
      int count = 0;
      for (PageId id : ids) {
        pager.txCheckOwn(id);
        pages[count++] = id.index();
      }
      // In page order: neighbours share tree nodes, and a page listed twice sits next to its twin.
      Arrays.sort(pages, 0, count);
      for (int i = 0; i < count; i++) {
        if (i > 0 && pages[i] == pages[i - 1]) {
          throw new DoubleFreeException(pager.pageId(pages[i]) + " is listed twice in one free");
        }
        pager.txCheckFreeable(pages[i]);
      }
      for (int i = 0; i < count; i++) {
        pager.txFree(pages[i]);
      }
    } catch (IOException | RuntimeException e) {
      failed();
      throw e;
    }
  }

  /**
   * Grows the file, if needed, to at least {@code pageCount} pages.
   *
   * @param pageCount the page count to reach
   * @throws IOException when the file could not grow
   */
  public void ensurePageCount(long pageCount) throws IOException {
    checkOpen();
    try {
      pager.txEnsurePageCount(pageCount);
    } catch (IOException | RuntimeException e) {
      failed();
      throw e;
    }
  }

  /**
   * Returns a root value as this transaction sees it.
   *
   * @param slot from 0 to {@link #ROOT_SLOTS} - 1
   * @return the value; 0 when never set
   */
  public long root(int slot) {
    checkSlot(slot);
    return roots[slot];
  }

  /**
   * Sets a root value, made durable with the rest of the transaction. Layers built on the pager
   * keep the entry point of their structures here.
   *
   * <p>A slot that a claim of the file's {@link RootCatalog} covers is refused: it belongs to the
   * structure that claimed it, which writes it through its claim ({@link #setRoot(RootClaim, int,
   * long)}), so that no code overwrites another structure's root by mistake. In a file without a
   * catalog every slot is free to set.
   *
   * @param slot from 0 to {@link #ROOT_SLOTS} - 1
   * @param value any value
   * @throws RootClaimConflictException when a claim covers the slot (its {@link
   *     RootClaimConflictException#owner()}); nothing is changed and the transaction stays open
   * @throws IllegalStateException when a bitmap or array opened in this transaction uses the slot
   * @throws java.io.UncheckedIOException when the root catalog cannot be read; the transaction
   *     is rolled back
   */
  public void setRoot(int slot, long value) {
    checkOpen();
    checkSlot(slot);
    checkNoStructureAt(slot);
    RootClaim owner = claimOf(slot);
    if (owner != null) {
      throw new RootClaimConflictException(
          describe() + ": root slot " + slot + " is claimed by " + owner + " in the root catalog"
              + (owner.equals(RootCatalog.SELF)
                  ? "; the catalog writes its own slots"
                  : "; the structure \"" + owner.name() + "\" (" + owner.kind() + ") writes it through its claim"),
          owner);
    }
    roots[slot] = value;
  }

  /**
   * Sets root value {@code index} of a claim: how the structure that claimed slots in the file's
   * {@link RootCatalog} writes them, made durable with the rest of the transaction.
   *
   * <pre>{@code
   * RootClaim claim = RootCatalog.claim(tx, "orders", "my-index", 2);
   * tx.setRoot(claim, 0, rootPage);   // slot claim.slot(0)
   * }</pre>
   *
   * @param claim a claim of the catalog as this transaction sees it (committed, or made in it)
   * @param index from 0 to {@code claim.slotCount() - 1}
   * @param value any value
   * @throws RootClaimConflictException when the catalog holds no such claim (it was released,
   *     or never made in this file); nothing is changed and the transaction stays open
   * @throws IllegalArgumentException when {@code claim} is the catalog's own, whose slots only
   *     the catalog writes
   * @throws IndexOutOfBoundsException when {@code index} is outside the claim
   * @throws IllegalStateException when a bitmap or array opened in this transaction uses the slot
   * @throws java.io.UncheckedIOException when the root catalog cannot be read; the transaction
   *     is rolled back
   */
  public void setRoot(RootClaim claim, int index, long value) {
    checkOpen();
    int slot = claim.slot(index);
    if (claim.equals(RootCatalog.SELF)) {
      throw new IllegalArgumentException("the root catalog's slots " + claim.firstSlot() + "-" + claim.lastSlot()
          + " are written by RootCatalog alone");
    }
    checkNoStructureAt(slot);
    RootClaim owner = claimOf(slot);
    if (!claim.equals(owner)) {
      throw new RootClaimConflictException(
          describe() + ": " + claim + " is not a claim of the root catalog; root slot " + slot + " is "
              + (owner == null ? "claimed by no structure" : "claimed by " + owner), owner);
    }
    roots[slot] = value;
  }

  private void checkNoStructureAt(int slot) {
    if (structures.containsKey(slot) || structures.containsKey(slot - 1)) {
      throw new IllegalStateException("root slot " + slot + " holds a structure opened in this transaction");
    }
  }

  /**
   * The claim covering a slot, as this transaction sees the catalog. A file without a catalog
   * (both of its slots zero, and none opened here) answers without reading anything; otherwise
   * the catalog of the last commit is kept between transactions (see {@link CommittedCatalog}).
   */
  private @Nullable RootClaim claimOf(int slot) {
    if (roots[RootCatalog.CATALOG_SLOT] == 0 && roots[RootCatalog.CATALOG_SLOT + 1] == 0
        && structures.get(RootCatalog.CATALOG_SLOT) == null) {
      return null;
    }
    try {
      return RootCatalog.of(this).owner(slot);
    } catch (IOException e) {
      failed();
      throw new UncheckedIOException(describe() + ": the root catalog cannot be read to check root slot " + slot, e);
    }
  }

  /**
   * Opens the bitmap kept under root slots {@code slot} and {@code slot + 1} for changes; they
   * commit with this transaction. Slots never used hold an empty bitmap. Asking twice for the
   * same slot returns the same bitmap.
   *
   * @param slot the first of the bitmap's two root slots, from 0 to {@link #ROOT_SLOTS} - 2
   * @return the bitmap, usable until this transaction ends
   * @throws IllegalStateException when the slots overlap another structure opened in this
   *     transaction, or hold a record array
   */
  public PersistentBitmap bitmap(int slot) {
    checkOpen();
    checkStructureSlot(slot);
    if (structures.get(slot) instanceof PersistentBitmap open) {
      return open;
    }
    checkFree(slot);
    PersistentBitmap bitmap = pager.txBitmap(slot, roots[slot], roots[slot + 1]);
    structures.put(slot, bitmap);
    return bitmap;
  }

  /**
   * Opens the record array kept under root slots {@code slot} and {@code slot + 1} for changes;
   * they commit with this transaction. Slots never used hold an array of zero records. Asking
   * twice for the same slot returns the same array.
   *
   * @param slot the first of the array's two root slots, from 0 to {@link #ROOT_SLOTS} - 2
   * @param recordSize bytes per record: a multiple of 8 from 8 to {@link
   *     PersistentArray#MAX_RECORD_SIZE}; the same every time the array is opened
   * @return the array, usable until this transaction ends
   * @throws IllegalStateException when the slots overlap another structure opened in this
   *     transaction, or hold a bitmap or an array of another record size
   */
  public PersistentArray array(int slot, int recordSize) {
    checkOpen();
    checkStructureSlot(slot);
    PersistentArray.checkRecordSize(recordSize);
    if (structures.get(slot) instanceof PersistentArray open && open.recordSize() == recordSize) {
      return open;
    }
    checkFree(slot);
    PersistentArray array = pager.txArray(slot, recordSize, roots[slot], roots[slot + 1]);
    structures.put(slot, array);
    return array;
  }

  private void checkFree(int slot) {
    if (structures.containsKey(slot) || structures.containsKey(slot - 1) || structures.containsKey(slot + 1)) {
      throw new IllegalStateException("root slots " + slot + " and " + (slot + 1) + " overlap another structure");
    }
  }

  /**
   * Makes every change durable with one commit (see {@link Durability}), and ends the
   * transaction. Page writes made before it become durable too.
   *
   * @throws GrowFailedException when the commit needed room the file could not get; rolled back
   * @throws PagerUnavailableException when a sync failed; the pager refuses further work
   * @throws IOException when the commit fails otherwise; rolled back
   */
  public void commit() throws IOException {
    checkOpen();
    Pager.Sealed sealed;
    try {
      // By index: a step may register another (a layer that writes into another layer).
      for (int i = 0; i < beforeCommit.size(); i++) {
        beforeCommit.get(i).run();
      }
      sealed = pager.txSeal(roots.clone(), structures.values());
      state = State.COMMITTED;
      endStructures();
    } catch (IOException | RuntimeException e) {
      failed();
      throw e;
    }
    try {
      for (Runnable action : whenSealed) {
        action.run();
      }
    } finally {
      // Other threads may now begin, build on this commit and share its flush (group commit).
      releaseLock();
    }
    pager.txAwaitDurable(sealed);
  }

  /**
   * Registers an action that {@link #commit()} runs once the commit is recorded in memory, still
   * under the writer lock, before any other transaction can begin and before the commit is
   * durable: where a layer above publishes what the commit made current to its own readers, in
   * commit order. The commit then returns only when durable; should its flush fail, the pager
   * refuses all further work, so nothing builds on what was published.
   *
   * @param action what to run; it must not throw
   * @throws IllegalStateException when the transaction is not open
   */
  public void whenSealed(Runnable action) {
    checkOpen();
    whenSealed.add(action);
  }

  /** A step a layer runs when the transaction commits, before anything is recorded. */
  @FunctionalInterface
  public interface CommitStep {
    /**
     * Runs the step.
     *
     * @throws IOException when it fails; the commit is then rolled back
     */
    void run() throws IOException;
  }

  /**
   * Registers a step that {@link #commit()} runs first, in registration order, while the
   * transaction is still open: where a layer that keeps changes of its own in memory writes them
   * into the transaction (its checksums, its root values), so that the layer can share a
   * transaction that someone else commits. A step that throws rolls the whole transaction back.
   *
   * @param step what to run
   * @throws IllegalStateException when the transaction is not open
   */
  public void beforeCommit(CommitStep step) {
    checkOpen();
    beforeCommit.add(step);
  }

  /**
   * Returns the state a layer keeps for this transaction under {@code key}, made by {@code
   * create} the first time it is asked for: so that a layer asked twice for the same structure in
   * one transaction (two objects over the same slots, say) works on one state, as {@link
   * #bitmap(int)} returns the same bitmap twice.
   *
   * @param key what the state belongs to, compared with {@code equals}
   * @param type the state's class
   * @param create makes the state
   * @param <T> the state's type
   * @return the state
   * @throws IllegalStateException when the transaction is not open, or {@code key} holds a state
   *     of another class
   */
  public <T> T layerState(Object key, Class<T> type, Supplier<? extends T> create) {
    checkOpen();
    Object layer = layers.get(key);
    if (layer == null) {
      layer = create.get();
      layers.put(key, layer);
    }
    if (!type.isInstance(layer)) {
      throw new IllegalStateException(key + " holds a " + layer.getClass().getName() + ", not a " + type.getName());
    }
    return type.cast(layer);
  }

  /**
   * Tells whether the transaction is open: not committed, failed or closed.
   *
   * @return true while changes can be made in it
   */
  public boolean isOpen() {
    return state == State.OPEN;
  }

  /**
   * Tells whether this is a transaction of {@code candidate}: for layers handed a transaction
   * that must refuse one of another pager.
   *
   * @param candidate a pager
   * @return true when {@code candidate} began this transaction
   */
  public boolean isOf(Pager candidate) {
    return pager == candidate;
  }

  /** A root value as of the commit this transaction started from. */
  long committedRoot(int slot) {
    return pager.root(slot);
  }

  /** The root catalog of the commit this transaction started from, read once per change. */
  RootCatalog committedCatalog() throws IOException {
    return pager.txCommittedCatalog();
  }

  /** The structure opened in this transaction whose first slot is {@code slot}, or null. */
  @Nullable RootedStructure structureAt(int slot) {
    return structures.get(slot);
  }

  /** Names the file, for messages. */
  String describe() {
    return pager.describe();
  }

  /** Ends the transaction, rolling back its changes unless it was committed. */
  @Override
  public void close() {
    if (state == State.CLOSED) {
      return;
    }
    try {
      if (state == State.OPEN) {
        pager.txRollback();
      }
    } finally {
      state = State.CLOSED;
      endStructures();
      releaseLock();
    }
  }

  private void releaseLock() {
    if (holdsLock) {
      holdsLock = false;
      pager.txEnd();
    }
  }

  private void endStructures() {
    structures.values().forEach(RootedStructure::end);
  }

  static void checkStructureSlot(int slot) {
    if (slot < 0 || slot >= ROOT_SLOTS - 1) {
      throw new IndexOutOfBoundsException(
          "a structure needs root slots " + slot + " and " + (slot + 1) + "; slots are [0, " + ROOT_SLOTS + ")");
    }
  }

  static void checkSlot(int slot) {
    if (slot < 0 || slot >= ROOT_SLOTS) {
      throw new IndexOutOfBoundsException("root slot " + slot + " is outside [0, " + ROOT_SLOTS + ")");
    }
  }

  private void checkOpen() {
    if (state != State.OPEN) {
      throw new IllegalStateException("transaction is " + state.name().toLowerCase(java.util.Locale.ROOT));
    }
  }

  /** Rolls everything back after a failure inside one of this transaction's methods. */
  private void failed() {
    if (state == State.OPEN) {
      pager.txRollback();
      state = State.FAILED;
      endStructures();
    }
  }
}
