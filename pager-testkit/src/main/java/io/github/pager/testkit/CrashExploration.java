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
 * @param faultsFired the faults the plan injected
 * @param unfiredFaults the faults the plan lists that the workload never reached, each named; a
 *     non-empty list fails {@link #assertNoViolations()}, since the run did not test them
 */
public record CrashExploration(
    String name,
    long seed,
    long crashPoints,
    long crashStates,
    List<CrashReport> violations,
    long millis,
    long faultsFired,
    List<String> unfiredFaults) {

  /** Copies the lists, so the result stays immutable. */
  public CrashExploration {
    violations = List.copyOf(violations);
    unfiredFaults = List.copyOf(unfiredFaults);
  }

  /**
   * Throws when any violation was found, or when a fault the plan lists never fired (the workload
   * ended before reaching it, so the exploration did not test what it claims).
   *
   * @return this, for chaining
   * @throws CrashViolation naming every violation, each with its replay call, or every fault that
   *     never fired
   */
  public CrashExploration assertNoViolations() {
    if (violations.isEmpty() && !unfiredFaults.isEmpty()) {
      throw new CrashViolation(
          name + ": the fault plan lists " + String.join(", ", unfiredFaults) + ", which never fired (seed " + seed
              + "): the workload ended before reaching it, so nothing was tested under it. Plan a fault the "
              + "workload reaches, or make the workload longer",
          violations);
    }
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
        + violations.size() + " violations, " + faultsFired + " faults fired"
        + (unfiredFaults.isEmpty() ? "" : " (" + unfiredFaults.size() + " planned never fired)") + ", seed " + seed
        + ", " + millis + " ms";
  }
}
