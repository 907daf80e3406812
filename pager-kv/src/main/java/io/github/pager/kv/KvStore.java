package io.github.pager.kv;

import io.github.pager.core.Pager;
import io.github.pager.core.RootCatalog;
import io.github.pager.core.RootClaim;
import io.github.pager.core.RootClaimConflictException;
import io.github.pager.core.Snapshot;
import io.github.pager.core.StructureInspection;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An ordered map from byte-string keys to byte-string values, kept in a {@link Pager} as a
 * copy-on-write B+tree whose nodes are pages, and found through four of the pager's root values.
 *
 * <pre>{@code
 * try (Pager pager = Pager.create(path, PagerOptions.defaults())) {
 *   KvStore store = KvStore.on(pager, KvOptions.defaults().withName("orders"));  // claims 4 root slots
 *   try (KvWriteTransaction tx = store.beginWrite()) {
 *     tx.put(key, value);
 *     tx.commit();                                       // one pager commit
 *   }
 *   try (KvReadTransaction read = store.beginRead()) {  // a pager snapshot
 *     byte[] value = read.get(key);
 *   }
 * }
 * }</pre>
 *
 * <p>Keys order as unsigned bytes, shorter first on a common prefix. A store object holds no
 * state beyond its pager, its options, for a named store where its claim is once known, and
 * spare memory for its write transactions' nodes; so several may be made over one pager (and
 * slots), and the pager serializes their writers. The
 * store does not own the pager: close the pager when done. Other structures may live in the same
 * pager, in other root slots, and commit separately or in one transaction with the store ({@link
 * #join}).
 *
 * <p><b>Root slots.</b> A store named with {@link KvOptions#withName} claims its four slots in the
 * pager's {@link RootCatalog} (kind {@value KvOptions#KIND}), so that no other structure can take
 * them and tools name it. A store without a name lives at fixed slots (16 to 19 unless {@link
 * KvOptions#withRootSlot} says otherwise), as files written before the catalog do; it refuses
 * slots another structure claimed ({@link RootClaimConflictException}).
 */
public final class KvStore {
  /** The longest key, in bytes. Keys longer than a node's inline prefix continue in an overflow run. */
  public static final int MAX_KEY_LENGTH = 1024;

  /** The longest value, in bytes (16 MiB). Values that do not fit in a node go to an overflow run. */
  public static final int MAX_VALUE_LENGTH = 16 << 20;

  private final Pager pager;
  private final KvOptions options;
  private final Cells cells;

  /** Node buffers kept between write transactions (a few MiB at most, see NodeBufferPool). */
  private final NodeBufferPool buffers;

  /** Where the store lives: fixed, or a named store's claim once known (claims never move). */
  private volatile @Nullable RootSlots slots;

  private KvStore(Pager pager, KvOptions options) {
    this.pager = pager;
    this.options = options;
    this.slots = options.name() == null ? new RootSlots(options.rootSlot()) : null;
    this.cells = new Cells(new NodeLayout(pager.pageSize()), pager.describe());
    this.buffers = new NodeBufferPool(pager.pageSize());
  }

  /**
   * Returns the store kept in {@code pager} under the default root slots (16 to 19); a pager
   * that holds none yet gets one at the first commit.
   *
   * @param pager an open pager; a read-only one allows read transactions only
   * @return the store
   * @throws IllegalStateException when the slots hold another structure, or a store of another format
   * @throws RootClaimConflictException when another structure claimed one of the slots
   * @throws IOException when the pager's root catalog cannot be read
   */
  public static KvStore on(Pager pager) throws IOException {
    return on(pager, KvOptions.defaults());
  }

  /**
   * Returns the store kept in {@code pager} under the name or root slots {@code options} gives.
   * A named store not claimed yet claims its slots with its first write transaction.
   *
   * @param pager an open pager
   * @param options name or root slots, and read checks
   * @return the store
   * @throws IllegalStateException when the slots hold another structure, or a store of another format
   * @throws RootClaimConflictException when another structure claimed one of the slots, or the
   *     name is claimed by another kind or at other slots than the options give
   * @throws IOException when the pager's root catalog cannot be read
   */
  public static KvStore on(Pager pager, KvOptions options) throws IOException {
    KvStore store = new KvStore(Objects.requireNonNull(pager), Objects.requireNonNull(options));
    RootSlots known = store.resolve(RootCatalog.of(pager));
    if (known != null) {
      known.read(pager::root, pager.describe());
    }
    return store;
  }

  /**
   * Begins a write transaction: takes the pager's writer lock (waiting for another writer to
   * finish) and starts from the last commit. A named store not claimed yet claims its slots in
   * it.
   *
   * @return the transaction; close it
   * @throws IOException when the pager refuses a transaction (poisoned by a failed sync), or the
   *     root catalog cannot be read
   * @throws io.github.pager.core.ReadOnlyPagerException when the pager is read-only
   * @throws IllegalStateException when this thread has a pager transaction open already, or the
   *     slots hold another structure
   * @throws RootClaimConflictException when another structure claimed the slots
   */
  public KvWriteTransaction beginWrite() throws IOException {
    Transaction tx = pager.begin();
    try {
      return open(tx, slotsIn(tx), false);
    } catch (IOException | RuntimeException e) {
      tx.close();
      throw e;
    }
  }

  /**
   * Joins a pager transaction someone else began and commits: the store's changes made through
   * the returned transaction commit with it, in the same pager commit as everything else done in
   * it (protected pages, sub-pages, other stores), atomically. The store writes its checksums and
   * root values when {@code tx} commits ({@link Transaction#beforeCommit}). Asking twice for the
   * same transaction returns the same write transaction.
   *
   * <pre>{@code
   * try (ProtectedTransaction both = pages.begin()) {
   *   KvWriteTransaction kv = store.join(both.pagerTransaction());
   *   kv.put(key, value);
   *   both.write(id).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 42L);
   *   both.commit();                      // one commit: the entry and the page, or neither
   * }
   * }</pre>
   *
   * @param tx an open transaction of this store's pager
   * @return the joined write transaction; commit and close {@code tx}, not it
   * @throws IllegalArgumentException when {@code tx} is of another pager
   * @throws IllegalStateException when {@code tx} is not open, or the slots hold another structure
   * @throws RootClaimConflictException when another structure claimed the slots
   * @throws IOException when the root catalog cannot be read
   */
  public KvWriteTransaction join(Transaction tx) throws IOException {
    if (!tx.isOf(pager)) {
      throw new IllegalArgumentException(tx + " is a transaction of another pager than " + pager.describe());
    }
    RootSlots at = slotsIn(tx);
    return tx.layerState(new JoinKey(at.first()), KvWriteTransaction.class, () -> open(tx, at, true));
  }

  /** The key a store's joined transaction is kept under in a pager transaction: its first slot. */
  private record JoinKey(int firstSlot) {}

  private KvWriteTransaction open(Transaction tx, RootSlots at, boolean joined) {
    RootState root = at.read(tx::root, pager.describe());
    return new KvWriteTransaction(tx, at, new TreeWriter(pager, tx, cells, buffers, options.verifiedReads(), root), joined);
  }

  /**
   * The slots as a transaction sees them: fixed ones, checked against the catalog (and written
   * through a claim of exactly them, should the catalog hold one); or a named store's claim, made
   * in {@code tx} when there is none yet, and remembered once committed.
   */
  private RootSlots slotsIn(Transaction tx) throws IOException {
    RootSlots known = slots;
    if (known != null && options.name() != null) {
      return known; // a claim, once committed, stays
    }
    if (known != null) {
      // A claim of exactly these slots and this kind (the store registered by name) is its own:
      // the slots are written through it.
      return RootCatalog.of(tx).requireAvailable(known.first(), RootSlots.COUNT, KvOptions.KIND)
          .map(RootSlots::new)
          .orElse(known);
    }
    String name = Objects.requireNonNull(options.name());
    RootClaim claim = options.fixedSlots()
        ? RootCatalog.claimAt(tx, name, KvOptions.KIND, options.rootSlot(), RootSlots.COUNT)
        : RootCatalog.claim(tx, name, KvOptions.KIND, RootSlots.COUNT);
    RootSlots claimed = new RootSlots(claim);
    tx.whenSealed(() -> slots = claimed);
    return claimed;
  }

  /**
   * Finds the slots in a catalog: fixed ones (checked against it), a named store's claim, or
   * null for a named store not claimed yet.
   */
  private @Nullable RootSlots resolve(RootCatalog catalog) {
    String name = options.name();
    if (name == null) {
      RootSlots fixed = Objects.requireNonNull(slots);
      catalog.requireAvailable(fixed.first(), RootSlots.COUNT, KvOptions.KIND);
      return fixed;
    }
    RootClaim claim = catalog.find(name).orElse(null);
    if (claim == null) {
      return null;
    }
    if (!claim.kind().equals(KvOptions.KIND) || claim.slotCount() != RootSlots.COUNT
        || (options.fixedSlots() && claim.firstSlot() != options.rootSlot())) {
      throw new RootClaimConflictException(
          pager.describe() + ": \"" + name + "\" is claimed as " + claim + ", not as a " + KvOptions.KIND + " of "
              + RootSlots.COUNT + " slots" + (options.fixedSlots() ? " from slot " + options.rootSlot() : ""), claim);
    }
    RootSlots claimed = new RootSlots(claim);
    slots = claimed;
    return claimed;
  }

  /**
   * The slots a snapshot's commit keeps the store in, or null for a named store it holds no
   * claim of (an empty store).
   */
  private @Nullable RootSlots slotsIn(Snapshot snapshot) {
    RootSlots known = slots;
    if (known != null) {
      return known;
    }
    try {
      return resolve(RootCatalog.of(snapshot));
    } catch (IOException e) {
      throw new UncheckedIOException(pager.describe() + ": the root catalog cannot be read", e);
    }
  }

  /**
   * Begins a read transaction on a snapshot of the last commit. Costs no I/O (but a named store
   * not found before reads the root catalog); close it.
   *
   * @return the transaction
   * @throws IllegalStateException when the pager is closed, or the slots hold another structure
   * @throws UncheckedIOException when a named store's claim is looked for and the root catalog
   *     cannot be read
   */
  public KvReadTransaction beginRead() {
    Snapshot snapshot = pager.snapshot();
    try {
      RootState root = rootIn(snapshot);
      return new KvReadTransaction(snapshot, view(snapshot), root);
    } catch (RuntimeException e) {
      snapshot.close();
      throw e;
    }
  }

  private RootState rootIn(Snapshot snapshot) {
    RootSlots at = slotsIn(snapshot);
    return at == null ? RootState.EMPTY : at.read(snapshot::root, pager.describe());
  }

  /**
   * Returns the value of {@code key} as of the last commit (in a read transaction of its own).
   *
   * @param key the key
   * @return a copy of the value, or null when absent
   * @throws IOException when a node or overflow run fails its checks
   */
  public byte @Nullable [] get(byte[] key) throws IOException {
    try (KvReadTransaction read = beginRead()) {
      return read.get(key);
    }
  }

  /**
   * Sets {@code key} to {@code value} in a write transaction of its own, committed.
   *
   * @param key the key
   * @param value the value
   * @throws IOException when the commit fails
   */
  public void put(byte[] key, byte[] value) throws IOException {
    try (KvWriteTransaction tx = beginWrite()) {
      tx.put(key, value);
      tx.commit();
    }
  }

  /**
   * Removes {@code key} in a write transaction of its own, committed when the key was there.
   *
   * @param key the key
   * @return whether it was there
   * @throws IOException when the commit fails
   */
  public boolean delete(byte[] key) throws IOException {
    try (KvWriteTransaction tx = beginWrite()) {
      boolean removed = tx.delete(key);
      if (removed) {
        tx.commit();
      }
      return removed;
    }
  }

  /**
   * Returns the number of entries as of the last commit.
   *
   * @return the count
   */
  public long size() {
    RootSlots known = slots;
    if (known != null) {
      return known.read(pager::root, pager.describe()).count();
    }
    try (Snapshot snapshot = pager.snapshot()) {
      return rootIn(snapshot).count();
    }
  }

  /**
   * Checks the whole tree as of the last commit, on a snapshot (writers may go on): every node's
   * format and checksum, key order within and across nodes, fill, overflow runs and their
   * checksums, the entry count, and page ownership (no page reached twice, every page reached
   * allocated). Reads every page of the store.
   *
   * @return what was found, with every page the store reaches
   * @throws IOException when the pager's allocation state cannot be read
   */
  public KvVerifyReport verify() throws IOException {
    return verify((page, role, label) -> {});
  }

  /** {@link #verify()}, giving every page the tree reaches to {@code labels} with what it is. */
  KvVerifyReport verify(StructureInspection.PageVisitor labels) throws IOException {
    try (Snapshot snapshot = pager.snapshot()) {
      RootState root = rootIn(snapshot);
      PageSource pages = page -> snapshot.page(snapshot.pageId(page)).segment();
      return new TreeVerifier(cells, pages, page -> snapshot.isAllocated(snapshot.pageId(page)), labels).verify(root);
    }
  }

  /**
   * Returns the pager the store lives in.
   *
   * @return the pager
   */
  public Pager pager() {
    return pager;
  }

  /**
   * Returns the options the store was made with.
   *
   * @return the options
   */
  public KvOptions options() {
    return options;
  }

  private TreeView view(Snapshot snapshot) {
    PageSource pages = page -> snapshot.page(snapshot.pageId(page)).segment();
    NodeReader nodes = new NodeReader(pages, options.verifiedReads(), page -> false, pager.describe());
    return new TreeView(cells.layout(), cells, nodes);
  }

  static void checkKey(byte[] key) {
    if (key.length > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException("a key of " + key.length + " bytes is longer than the limit of " + MAX_KEY_LENGTH);
    }
  }

  static void checkValue(byte[] value) {
    if (value.length > MAX_VALUE_LENGTH) {
      throw new IllegalArgumentException(
          "a value of " + value.length + " bytes is longer than the limit of " + MAX_VALUE_LENGTH);
    }
  }

  @Override
  public String toString() {
    RootSlots known = slots;
    return "KvStore[" + pager.describe() + (options.name() == null ? "" : ", \"" + options.name() + "\"")
        + ", root slots " + (known == null ? "not claimed yet" : known.describe()) + "]";
  }
}
