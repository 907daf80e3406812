package io.github.pager.testkit;

import java.io.IOException;
import java.util.SplittableRandom;

/**
 * One operation of a {@link ModelWorkload}: a function from the state before it to the state it
 * leaves, plus the action on the target that makes it so. The workload does the bookkeeping
 * around it: it acknowledges the state returned, rolls back on a full disk, and after any other
 * {@link IOException} reboots, reads back what survived and goes on from there.
 *
 * <p>The operation declares the state it would leave with {@link Step#inFlight} before the call
 * that makes it durable (a commit, a sync), as soon as it knows it: an allocation knows its page
 * only once the pager has chosen it.
 *
 * <pre>{@code
 * CrashOperation<Long, Counter> increment = (counter, value, step) -> {
 *   Pager pager = counter.pager();
 *   try (Transaction tx = pager.begin()) {
 *     PageId page = tx.alloc();
 *     pager.page(page).putLong(0, value + 1);             // before the commit that publishes it
 *     if (pager.root(0) != 0) tx.free(pager.pageId(pager.root(0)));
 *     tx.setRoot(0, page.index());
 *     step.inFlight(value + 1);
 *     tx.commit();
 *   }
 *   return value + 1;                                      // durable: the workload acknowledges it
 * };
 * }</pre>
 *
 * @param <S> the model
 * @param <T> the target
 */
@FunctionalInterface
public interface CrashOperation<S, T extends CrashTarget<S>> {

  /**
   * Runs the operation.
   *
   * @param target the open target
   * @param state the state acknowledged last, which the target holds
   * @param step declares the state in flight, and gives the random stream
   * @return the state the operation left, now durable; {@code state} for one that changed nothing
   * @throws IOException when the storage fails: {@link io.github.pager.core.GrowFailedException}
   *     means nothing changed, any other that the outcome is unknown
   * @throws Exception when the operation finds the target broken (an {@link AssertionError}
   *     too): the workload ends and the exploration reports it
   */
  S apply(T target, S state, Step<S> step) throws Exception;

  /**
   * What an operation may tell the workload while it runs.
   *
   * @param <S> the model
   */
  interface Step<S> {
    /**
     * Returns the run's random stream, seeded so that a replay makes the same choices.
     *
     * @return the stream
     */
    SplittableRandom random();

    /**
     * Declares the state the operation leaves if what it does next succeeds. May be called
     * again to correct it; the last declaration counts.
     *
     * @param state the state
     */
    void inFlight(S state);

    /**
     * Acknowledges a state the operation has made durable on its way: for an operation made of
     * several durable steps, such as an allocation committed and then written and synced. An
     * operation that returns the very state it acknowledged last is not acknowledged twice.
     *
     * @param state the durable state
     */
    void acknowledge(S state);

    /**
     * Simulates the process ending and starting again (see {@link SimulatedStorage#restart()}).
     * Anything open on the old storage dies with it.
     *
     * @return the storage the restarted process opens
     */
    SimulatedStorage restart();
  }

  /**
   * Returns the operation that closes the target cleanly and opens it again in a new process (the
   * page cache survives), requiring it to hold exactly the state it held.
   *
   * @param <S> the model
   * @param <T> the target
   * @return the operation
   */
  static <S, T extends CrashTarget<S>> CrashOperation<S, T> reopen() {
    return (target, state, step) -> {
      step.inFlight(state);
      target.close();
      target.open(step.restart());
      return reopenedAs(target, state, "closed and reopened");
    };
  }

  /**
   * Returns the operation that abandons the target without closing it, as a killed process
   * would, and opens it again in a new process (the page cache survives), requiring it to hold
   * exactly the state it held.
   *
   * @param <S> the model
   * @param <T> the target
   * @return the operation
   */
  static <S, T extends CrashTarget<S>> CrashOperation<S, T> restart() {
    return (target, state, step) -> {
      step.inFlight(state);
      target.abandon();
      target.open(step.restart());
      return reopenedAs(target, state, "killed and reopened");
    };
  }

  private static <S> S reopenedAs(CrashTarget<S> target, S state, String how) throws Exception {
    S read = target.recover(new CrashExpectation<>(state, null));
    if (!read.equals(state)) { // recover may accept more than equality, as PagerCheck does
      throw new AssertionError(how + " without a crash, the target holds " + ModelDiff.describe(read, state));
    }
    return read;
  }
}
