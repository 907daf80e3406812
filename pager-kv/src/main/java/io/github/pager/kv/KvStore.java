package io.github.pager.kv;

import io.github.pager.core.Pager;
import io.github.pager.core.Snapshot;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An ordered map from byte-string keys to byte-string values, kept in a {@link Pager} as a
 * copy-on-write B+tree whose nodes are pages, and found through four of the pager's root values.
 *
 * <pre>{@code
 * try (Pager pager = Pager.create(path, PagerOptions.defaults())) {
 *   KvStore store = KvStore.on(pager);                  // root slots 16-19
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
 * state beyond its pager and options, so several may be made over one pager (and slots); the
 * pager serializes their writers. The store does not own the pager: close the pager when done.
 * Other structures may live in the same pager, in other root slots, and commit separately.
 */
public final class KvStore {
  /** The longest key, in bytes. Keys longer than a node's inline prefix continue in an overflow run. */
  public static final int MAX_KEY_LENGTH = 1024;

  /** The longest value, in bytes (16 MiB). Values that do not fit in a node go to an overflow run. */
  public static final int MAX_VALUE_LENGTH = 16 << 20;

  private final Pager pager;
  private final KvOptions options;
  private final RootSlots slots;
  private final Cells cells;

  private KvStore(Pager pager, KvOptions options) {
    this.pager = pager;
    this.options = options;
    this.slots = new RootSlots(options.rootSlot());
    this.cells = new Cells(new NodeLayout(pager.pageSize()), pager.describe());
  }

  /**
   * Returns the store kept in {@code pager} under the default root slots (16 to 19); a pager
   * that holds none yet gets one at the first commit.
   *
   * @param pager an open pager; a read-only one allows read transactions only
   * @return the store
   * @throws IllegalStateException when the slots hold another structure, or a store of another format
   */
  public static KvStore on(Pager pager) {
    return on(pager, KvOptions.defaults());
  }

  /**
   * Returns the store kept in {@code pager} under the root slots {@code options} names.
   *
   * @param pager an open pager
   * @param options root slots and read checks
   * @return the store
   * @throws IllegalStateException when the slots hold another structure, or a store of another format
   */
  public static KvStore on(Pager pager, KvOptions options) {
    KvStore store = new KvStore(Objects.requireNonNull(pager), Objects.requireNonNull(options));
    store.slots.read(pager::root, pager.describe());
    return store;
  }

  /**
   * Begins a write transaction: takes the pager's writer lock (waiting for another writer to
   * finish) and starts from the last commit.
   *
   * @return the transaction; close it
   * @throws IOException when the pager refuses a transaction (poisoned by a failed sync)
   * @throws io.github.pager.core.ReadOnlyPagerException when the pager is read-only
   * @throws IllegalStateException when this thread has a pager transaction open already, or the
   *     slots hold another structure
   */
  public KvWriteTransaction beginWrite() throws IOException {
    Transaction tx = pager.begin();
    try {
      RootState root = slots.read(tx::root, pager.describe());
      return new KvWriteTransaction(tx, slots, new TreeWriter(pager, tx, cells, options.verifiedReads(), root));
    } catch (RuntimeException e) {
      tx.close();
      throw e;
    }
  }

  /**
   * Begins a read transaction on a snapshot of the last commit. Costs no I/O; close it.
   *
   * @return the transaction
   * @throws IllegalStateException when the pager is closed, or the slots hold another structure
   */
  public KvReadTransaction beginRead() {
    Snapshot snapshot = pager.snapshot();
    try {
      RootState root = slots.read(snapshot::root, pager.describe());
      return new KvReadTransaction(snapshot, view(snapshot), root);
    } catch (RuntimeException e) {
      snapshot.close();
      throw e;
    }
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
    return slots.read(pager::root, pager.describe()).count();
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
    try (Snapshot snapshot = pager.snapshot()) {
      RootState root = slots.read(snapshot::root, pager.describe());
      PageSource pages = page -> snapshot.page(snapshot.pageId(page)).segment();
      return new TreeVerifier(cells, pages, page -> snapshot.isAllocated(snapshot.pageId(page))).verify(root);
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
    return "KvStore[" + pager.describe() + ", root slots " + slots.describe() + "]";
  }
}
