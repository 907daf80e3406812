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

  /**
   * Says what is wrong with {@code actual}, or nothing when it is allowed: the difference from
   * each state it could have been, whole when the states are short, else only what differs.
   *
   * @param actual the recovered state
   * @return a description of the violation, or null when {@code actual} is allowed
   */
  public @Nullable String problem(S actual) {
    if (allows(actual)) {
      return null;
    }
    if (acknowledged == null && inFlight == null) {
      return "recovered " + actual + ", but nothing was acknowledged or in flight";
    }
    StringBuilder problem = new StringBuilder("recovered a state that is neither the acknowledged one nor the one in flight");
    if (acknowledged != null) {
      problem.append("; against the acknowledged: ").append(ModelDiff.describe(actual, acknowledged));
    }
    if (inFlight != null) {
      problem.append("; against the in-flight: ").append(ModelDiff.describe(actual, inFlight));
    } else {
      problem.append(" (nothing was in flight)");
    }
    return problem.toString();
  }

  /**
   * Returns {@code actual} when it is allowed, and throws otherwise.
   *
   * @param actual the recovered state
   * @return {@code actual}
   * @throws AssertionError describing how {@code actual} differs from each allowed state
   */
  public S require(S actual) {
    String problem = problem(actual);
    if (problem != null) {
      throw new AssertionError(problem);
    }
    return actual;
  }
}
