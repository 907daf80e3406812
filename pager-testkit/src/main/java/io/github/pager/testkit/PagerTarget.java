package io.github.pager.testkit;

import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A {@link CrashTarget} for a structure kept in one pager: it creates, opens, closes and abandons
 * the pager, so that a subclass says only what its state is and how to read it back, and opens
 * its structures on the pager in {@link #opened}.
 *
 * <pre>{@code
 * final class Counter extends PagerTarget<Long> {
 *   Counter() { super(OPTIONS); }
 *
 *   public Long emptyState() { return 0L; }
 *
 *   public Long recover(CrashExpectation<Long> expected) throws IOException {
 *     long root = pager().root(0);
 *     return expected.require(root == 0 ? 0 : pager().page(pager().pageId(root)).getLong(0));
 *   }
 * }
 * }</pre>
 *
 * @param <S> the model
 */
public abstract class PagerTarget<S> implements CrashTarget<S> {
  private final PagerOptions options;
  private @Nullable Pager pager;

  /**
   * Creates a target that creates and opens its pager with the given options.
   *
   * @param options page size, durability and the rest
   */
  protected PagerTarget(PagerOptions options) {
    this.options = Objects.requireNonNull(options);
  }

  /**
   * Returns the open pager.
   *
   * @return the pager
   * @throws IllegalStateException when none is open
   */
  public final Pager pager() {
    Pager open = pager;
    if (open == null) {
      throw new IllegalStateException("the pager is not open");
    }
    return open;
  }

  /**
   * Tells whether a pager is open: not before the first open, nor after a close or an abandon.
   *
   * @return true when {@link #pager()} returns one
   */
  public final boolean isOpen() {
    return pager != null;
  }

  /**
   * Creates the pager and returns {@link #emptyState()}; override to return more of what only
   * the new file knows.
   */
  @Override
  public S create(SimulatedStorage storage) throws IOException {
    attach(Pager.create(storage(storage), options));
    return emptyState();
  }

  @Override
  public void open(SimulatedStorage storage) throws IOException {
    attach(Pager.open(storage(storage), options));
  }

  /**
   * Returns the storage the pager is made on; the simulated one unless a subclass wraps it, in a
   * decorator under test, say.
   *
   * @param simulated the simulated storage
   * @return the storage to create or open the pager on
   */
  protected Storage storage(SimulatedStorage simulated) {
    return simulated;
  }

  /**
   * Opens the structures kept in a pager just created or opened. Does nothing by default.
   *
   * @param opened the pager
   * @throws IOException when a structure cannot be opened
   */
  protected void opened(Pager opened) throws IOException {}

  /**
   * Forgets the structures {@link #opened} opened: the pager they live in closes, or dies with
   * the process. Does nothing by default.
   */
  protected void closing() {}

  private void attach(Pager opened) throws IOException {
    try {
      opened(opened);
    } catch (IOException | RuntimeException e) {
      try {
        opened.close();
      } catch (IOException | RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
    pager = opened;
  }

  /** Closes the pager, if open; a pager poisoned by a failed sync closes without syncing. */
  @Override
  public void close() throws IOException {
    Pager open = pager;
    if (open == null) {
      return;
    }
    closing();
    pager = null;
    open.close();
  }

  @Override
  public void abandon() {
    if (pager != null) {
      closing();
    }
    pager = null;
  }
}
