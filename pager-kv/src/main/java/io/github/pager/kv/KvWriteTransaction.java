package io.github.pager.kv;

import io.github.pager.core.Transaction;
import java.io.IOException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Changes to a {@link KvStore} that commit together, with one pager commit, or not at all.
 *
 * <pre>{@code
 * try (KvWriteTransaction tx = store.beginWrite()) {
 *   tx.put(key1, value1);
 *   tx.delete(key2);
 *   tx.commit();          // one pager commit: every change survives a crash, or none
 * }                       // closing without commit rolls back
 * }</pre>
 *
 * <p>It holds a pager {@link Transaction}, and with it the pager's writer lock, from {@link
 * KvStore#beginWrite()} until it is closed: one writer at a time, closed by the thread that
 * began it. A transaction from {@link KvStore#join} is <em>joined</em> to a pager transaction
 * someone else began: that one's commit commits it, and that one's close rolls it back; see
 * {@link #commit()} and {@link #close()}. A failure inside a joined transaction's method rolls
 * back the pager transaction it joined, whole. It sees its own changes ({@link #get}, {@link #cursor}). Any failure inside one of
 * its methods rolls the whole transaction back; later calls other than {@link #close()} then
 * throw {@link IllegalStateException}. Readers see none of it until the commit.
 */
public final class KvWriteTransaction implements AutoCloseable {
  private enum State {
    OPEN,
    COMMITTED,
    FAILED,
    CLOSED
  }

  private final Transaction tx;
  private final RootSlots slots;
  private final TreeWriter writer;
  private final boolean joined;
  private State state = State.OPEN;

  KvWriteTransaction(Transaction tx, RootSlots slots, TreeWriter writer, boolean joined) {
    this.tx = tx;
    this.slots = slots;
    this.writer = writer;
    this.joined = joined;
    // Whoever commits the pager transaction, the tree's checksums and root values go in first.
    tx.beforeCommit(this::seal);
  }

  /** Records each new node's checksum in its parent, writes the nodes, and sets the store's root values. */
  private void seal() throws IOException {
    if (state == State.OPEN) {
      slots.write(tx, writer.seal());
    }
  }

  /**
   * Sets {@code key} to {@code value}, replacing any value it had.
   *
   * @param key up to {@link KvStore#MAX_KEY_LENGTH} bytes, the empty key included
   * @param value up to {@link KvStore#MAX_VALUE_LENGTH} bytes
   * @throws IllegalArgumentException when the key or value is too long; nothing changed
   * @throws IOException when the pager fails (the file could not grow, say) or a node fails its
   *     checks; the transaction is rolled back
   */
  public void put(byte[] key, byte[] value) throws IOException {
    checkOpen();
    KvStore.checkKey(key);
    KvStore.checkValue(value);
    try {
      writer.put(key, value);
    } catch (IOException | RuntimeException e) {
      failed();
      throw e;
    }
  }

  /**
   * Removes {@code key}.
   *
   * @param key the key
   * @return whether it was there
   * @throws IOException when the pager fails or a node fails its checks; rolled back
   */
  public boolean delete(byte[] key) throws IOException {
    checkOpen();
    KvStore.checkKey(key);
    try {
      return writer.delete(key);
    } catch (IOException | RuntimeException e) {
      failed();
      throw e;
    }
  }

  /**
   * Returns the value of {@code key} as this transaction sees it, its own changes included.
   *
   * @param key the key
   * @return a copy of the value, or null when absent
   * @throws IOException when a node or overflow run fails its checks
   */
  public byte @Nullable [] get(byte[] key) throws IOException {
    checkOpen();
    return writer.view().get(writer.root(), key);
  }

  /**
   * Returns the number of entries as this transaction sees it.
   *
   * @return the count
   */
  public long size() {
    checkOpen();
    return writer.root().count();
  }

  /**
   * Returns a new cursor over this transaction's entries, on no entry yet. Any change the
   * transaction makes afterwards invalidates it.
   *
   * @return the cursor
   */
  public KvCursor cursor() {
    checkOpen();
    return new KvCursor(new CursorSource() {
      @Override
      public TreeView view() {
        return writer.view();
      }

      @Override
      public RootState root() {
        checkOpen();
        return writer.root();
      }

      @Override
      public long version() {
        return writer.version();
      }
    });
  }

  /**
   * Commits every change with one pager commit, and ends the transaction: records each new
   * node's checksum in its parent, writes the new nodes (held in memory until now) to their
   * pages, sets the store's root values, and commits the pager transaction, which syncs the new
   * pages before the record that publishes them.
   *
   * @throws IOException when the commit fails; see {@link Transaction#commit()}
   * @throws IllegalStateException when the transaction is joined: commit the pager transaction
   *     it joined instead
   */
  public void commit() throws IOException {
    checkOpen();
    if (joined) {
      throw new IllegalStateException("this write transaction joined a pager transaction: commit that one");
    }
    try {
      tx.commit();
      state = State.COMMITTED;
    } catch (IOException | RuntimeException e) {
      failed();
      throw e;
    }
  }

  /**
   * Rolls every change back and ends the transaction; the same as closing it uncommitted. A
   * joined transaction cannot roll back alone: this rolls back (closes) the pager transaction it
   * joined, with everything else done in it.
   */
  public void rollback() {
    if (joined && state == State.OPEN) {
      state = State.CLOSED;
      writer.release();
      tx.close();
      return;
    }
    close();
  }

  /**
   * Ends the transaction, rolling back unless it was committed, and releases the writer lock.
   * On a joined transaction it does nothing: the pager transaction it joined decides, its commit
   * committing these changes and its close rolling them back.
   */
  @Override
  public void close() {
    if (joined || state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    writer.release();
    tx.close();
  }

  private void failed() {
    if (state == State.OPEN) {
      state = State.FAILED;
      writer.release();
      tx.close();
    }
  }

  private void checkOpen() {
    if (state == State.OPEN && !tx.isOpen()) {
      throw new IllegalStateException("the pager transaction this write transaction joined has ended");
    }
    if (state != State.OPEN) {
      throw new IllegalStateException("the write transaction is " + state.name().toLowerCase(Locale.ROOT));
    }
  }
}
