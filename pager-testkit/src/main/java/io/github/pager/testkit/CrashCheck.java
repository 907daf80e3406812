package io.github.pager.testkit;

/**
 * Judges one post-crash image: reopens it and decides whether what it holds is allowed.
 *
 * <p>A check signals a violation by throwing (an {@link AssertionError} from AssertJ, or any
 * exception, such as the pager refusing to open the file). It owns the storage it is given and
 * should close it, usually by closing the pager opened on it.
 *
 * @param <S> the model the workload reported
 */
@FunctionalInterface
public interface CrashCheck<S> {
  /**
   * Checks one crash image.
   *
   * @param crashed a clean storage holding the post-crash image
   * @param expected what the workload had acknowledged and what was in flight at the crash
   * @throws Exception when the image violates an invariant
   */
  void check(SimulatedStorage crashed, CrashExpectation<S> expected) throws Exception;
}
