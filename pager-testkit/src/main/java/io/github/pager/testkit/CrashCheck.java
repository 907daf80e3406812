package io.github.pager.testkit;

import org.jspecify.annotations.Nullable;

/**
 * Judges one post-crash image: reopens it and decides whether what it holds is allowed.
 *
 * <p>A check signals a violation by throwing (an {@link AssertionError} from AssertJ, or any
 * exception, such as the pager refusing to open the file), or by returning a description of it
 * through {@link #describing}. It owns the storage it is given and
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

  /**
   * A check that says what is wrong instead of throwing: {@link #describing} turns it into a
   * {@link CrashCheck}.
   *
   * @param <S> the model
   */
  @FunctionalInterface
  interface Describing<S> {
    /**
     * Checks one crash image.
     *
     * @param crashed a clean storage holding the post-crash image; the check owns it
     * @param expected what the workload had acknowledged and what was in flight at the crash
     * @return what is wrong, or null when the image is allowed ({@link
     *     CrashExpectation#problem} gives the usual description)
     * @throws Exception when the image cannot be read at all
     */
    @Nullable String problem(SimulatedStorage crashed, CrashExpectation<S> expected) throws Exception;
  }

  /**
   * Returns a check that fails with the description {@code check} returns, if any.
   *
   * @param check says what is wrong with an image, or null
   * @param <S> the model
   * @return the check
   */
  static <S> CrashCheck<S> describing(Describing<S> check) {
    return (crashed, expected) -> {
      String problem = check.problem(crashed, expected);
      if (problem != null) {
        throw new AssertionError(problem);
      }
    };
  }
}
