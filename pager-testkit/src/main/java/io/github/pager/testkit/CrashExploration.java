package io.github.pager.testkit;

import java.util.List;

/**
 * What one crash exploration did and found.
 *
 * @param name the explorer's name, for logs
 * @param seed the seed it ran with
 * @param crashPoints the crash points judged (duplicates of the point before skipped)
 * @param crashStates the post-crash images reopened and checked
 * @param violations what broke the check; empty when all passed
 * @param millis how long the exploration took
 */
public record CrashExploration(
    String name, long seed, long crashPoints, long crashStates, List<CrashReport> violations, long millis) {

  /** Copies the list, so the result stays immutable. */
  public CrashExploration {
    violations = List.copyOf(violations);
  }

  /**
   * Throws when any violation was found.
   *
   * @return this, for chaining
   * @throws CrashViolation naming every violation, each with its replay call
   */
  public CrashExploration assertNoViolations() {
    if (!violations.isEmpty()) {
      StringBuilder message = new StringBuilder()
          .append(name).append(": ").append(violations.size()).append(" crash state(s) violate the check (seed ")
          .append(seed).append(", ").append(crashStates).append(" states checked)\n");
      for (CrashReport report : violations) {
        message.append(report).append('\n');
      }
      throw new CrashViolation(message.toString(), violations);
    }
    return this;
  }

  @Override
  public String toString() {
    return name + ": " + crashPoints + " crash points, " + crashStates + " crash states, "
        + violations.size() + " violations, seed " + seed + ", " + millis + " ms";
  }
}
