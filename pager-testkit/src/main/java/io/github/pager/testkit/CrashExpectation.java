package io.github.pager.testkit;

import org.jspecify.annotations.Nullable;

/**
 * What a crash must preserve: the state after the last acknowledged operation, and the state the
 * operation in flight would produce. A correct system recovers to one of the two, never to a mix.
 *
 * @param acknowledged the state after the last acknowledged operation; null when none was
 *     acknowledged yet (typically: the file was still being created)
 * @param inFlight the state the operation in progress would leave; null when none was in
 *     progress, or when it failed and left no trace (rolled back)
 * @param <S> the model
 */
public record CrashExpectation<S>(@Nullable S acknowledged, @Nullable S inFlight) {

  /**
   * Tells whether {@code actual} is an allowed recovery: equal to the acknowledged state or to
   * the one in flight.
   *
   * @param actual the recovered state
   * @return true when allowed
   */
  public boolean allows(S actual) {
    return actual.equals(acknowledged) || actual.equals(inFlight);
  }
}
