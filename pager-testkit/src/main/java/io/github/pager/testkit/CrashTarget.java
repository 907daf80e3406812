package io.github.pager.testkit;

import java.io.IOException;

/**
 * The structure a {@link ModelWorkload} drives and its checks read back: it knows how to create
 * itself on an empty storage, open itself on one that holds it, say what state it holds, and
 * close. One target lives for one run of the workload (or one crash check) and is opened again
 * after every reopen, restart and failure, so it may keep what must outlive those, such as counters
 * for unique stamps.
 *
 * <p>A counter kept in a page that root slot 0 names:
 *
 * <pre>{@code
 * final class Counter implements CrashTarget<Long> {
 *   private @Nullable Pager pager;
 *
 *   public Long emptyState() { return 0L; }
 *   public Long create(SimulatedStorage storage) throws IOException {
 *     pager = Pager.create(storage, OPTIONS);
 *     return 0L;
 *   }
 *   public void open(SimulatedStorage storage) throws IOException { pager = Pager.open(storage, OPTIONS); }
 *   public Long recover(CrashExpectation<Long> expected) throws IOException {
 *     long root = pager().root(0);
 *     return expected.require(root == 0 ? 0 : pager().page(pager().pageId(root)).getLong(0));
 *   }
 *   public void close() throws IOException { if (pager != null) pager.close(); pager = null; }
 *   public void abandon() { pager = null; }
 *   Pager pager() { return Objects.requireNonNull(pager, "not open"); }
 * }
 * }</pre>
 *
 * @param <S> the model of what a crash must preserve; immutable, with {@code equals}
 */
public interface CrashTarget<S> {

  /**
   * Returns the state a newly created structure holds.
   *
   * @return the state, declared in flight before {@link #create} runs
   */
  S emptyState();

  /**
   * Creates the structure on an empty storage, keeps it open, and returns the state it holds:
   * {@link #emptyState()}, or that with what only the new file knows (its generation, say).
   *
   * @param storage the storage, empty; the target owns it from now on
   * @return the state of the new structure
   * @throws IOException when the storage fails, as a fault plan may make it
   */
  S create(SimulatedStorage storage) throws IOException;

  /**
   * Opens the structure on a storage that holds it, and keeps it open.
   *
   * @param storage the storage; the target owns it from now on
   * @throws IOException when the storage fails, or the file is not (yet) a page file
   */
  void open(SimulatedStorage storage) throws IOException;

  /**
   * Reads the state the open structure holds, after a crash, a failure or a reopen, and requires
   * it to be one {@code expected} allows: usually {@code return expected.require(valueRead);},
   * which describes a disallowed state with its difference from each allowed one. May also check
   * invariants that are not part of the state (a clean {@code verify()}, no leaked page) by
   * throwing an {@link AssertionError}. A state that cannot be read without knowing what to look
   * for (page writes are not versioned, say) is read with the help of {@code expected}.
   *
   * @param expected the acknowledged state and the one in flight (null when none)
   * @return the state read, one of the two
   * @throws Exception when the structure cannot be read
   * @throws AssertionError when the state read is neither, or an invariant does not hold
   */
  S recover(CrashExpectation<S> expected) throws Exception;

  /**
   * Closes the structure cleanly, as a process that ends normally does. Does nothing when
   * nothing is open: after {@link #abandon()}, a failed open, or a second call.
   *
   * @throws IOException when the final sync fails
   */
  void close() throws IOException;

  /**
   * Forgets what is open without closing it: the process died, and with it everything it had
   * open. The next call is {@link #open}.
   */
  void abandon();

  /**
   * Checks what must hold right after an operation failed with an {@link IOException}, before
   * the target is closed and the machine rebooted. The pager, for one, must refuse every change
   * after a failed sync. Does nothing by default.
   *
   * @param failure what the operation threw
   * @param state the last acknowledged state
   * @throws Exception when what must hold does not
   */
  default void afterFailure(IOException failure, S state) throws Exception {}
}
