package io.github.pager.kv;

import io.github.pager.core.Snapshot;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * A consistent read view of a {@link KvStore}: the store as one commit left it, however many
 * commits follow while it is open. It stands on a pager {@link Snapshot}, which keeps every page
 * that commit reaches from being handed out again until it is closed: close it when done, or the
 * file grows with the pages it holds back.
 *
 * <pre>{@code
 * try (KvReadTransaction read = store.beginRead()) {
 *   byte[] value = read.get(key);
 *   KvCursor cursor = read.cursor();
 *   ...
 * }
 * }</pre>
 *
 * <p>Any number of threads may use one read transaction at once (each with its own cursors), and
 * any number of read transactions may be open beside a writer: reads take no lock.
 */
public final class KvReadTransaction implements AutoCloseable {
  private final Snapshot snapshot;
  private final TreeView view;
  private final RootState root;

  KvReadTransaction(Snapshot snapshot, TreeView view, RootState root) {
    this.snapshot = snapshot;
    this.view = view;
    this.root = root;
  }

  /**
   * Returns the value of {@code key} as the transaction's commit left it.
   *
   * @param key the key
   * @return a copy of the value, or null when the key is absent
   * @throws IllegalStateException when the transaction is closed
   * @throws IOException when a node or overflow run fails its checks ({@link KvCorruptException})
   */
  public byte @Nullable [] get(byte[] key) throws IOException {
    checkOpen();
    return view.get(root, key);
  }

  /**
   * Returns the number of entries.
   *
   * @return the count
   */
  public long size() {
    return root.count();
  }

  /**
   * Returns the pager generation of the commit this transaction reads.
   *
   * @return the generation
   */
  public long generation() {
    return snapshot.generation();
  }

  /**
   * Returns a new cursor over this transaction's entries, on no entry yet.
   *
   * @return the cursor
   * @throws IllegalStateException when the transaction is closed
   */
  public KvCursor cursor() {
    checkOpen();
    return new KvCursor(new CursorSource() {
      @Override
      public TreeView view() {
        return view;
      }

      @Override
      public RootState root() {
        checkOpen();
        return root;
      }

      @Override
      public long version() {
        return 0;
      }
    });
  }

  /** Closes the snapshot under the transaction: the pages its commit reaches may be reused. */
  @Override
  public void close() {
    snapshot.close();
  }

  private void checkOpen() {
    if (!snapshot.isOpen()) {
      throw new IllegalStateException("the read transaction is closed");
    }
  }
}
