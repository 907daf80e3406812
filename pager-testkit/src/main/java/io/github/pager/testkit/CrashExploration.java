package io.github.pager.testkit;

import java.util.ArrayList;
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
 * @param coverage what the workload did that the crash states stand for
 */
public record CrashExploration(
    String name,
    long seed,
    long crashPoints,
    long crashStates,
    List<CrashReport> violations,
    long millis,
    long faultsFired,
    List<String> unfiredFaults,
    Coverage coverage) {

  /**
   * What the workload did, so that a green run can be told from one that tested little.
   *
   * @param storageCalls the calls the workload made into storage, restarts included
   * @param operationsAcknowledged the operations it acknowledged
   * @param acknowledgedWithCrashPoints of those, the ones with at least one crash point inside
   *     them (a crash there must show the state before or the state acknowledged)
   * @param faultsAfterLastAcknowledgement faults fired after the last acknowledged operation:
   *     nothing after them was shown to work
   * @param spaceRefusals growths the simulated disk refused because it was full
   * @param capacity the simulated disk's capacity in bytes
   * @param largestSize the largest size the file reached, in bytes
   * @param fullDiskExpected whether the test declared that a full disk is what it tests ({@link
   *     CrashExplorer#expectingFullDisk()})
   */
  public record Coverage(
      long storageCalls,
      long operationsAcknowledged,
      long acknowledgedWithCrashPoints,
      long faultsAfterLastAcknowledgement,
      long spaceRefusals,
      long capacity,
      long largestSize,
      boolean fullDiskExpected) {}

  /** Copies the lists, so the result stays immutable. */
  public CrashExploration {
    violations = List.copyOf(violations);
    unfiredFaults = List.copyOf(unfiredFaults);
  }

  /**
   * Returns why this run tested less than it seems, each as a sentence; {@link
   * #assertNoViolations()} fails when there is any:
   *
   * <ul>
   *   <li>a planned fault that never fired;
   *   <li>a full simulated disk the test did not declare;
   *   <li>no acknowledged operation at all, or acknowledged operations none of which had a crash
   *       point inside it;
   *   <li>a fault after which nothing was acknowledged: the workload stopped at it, instead of
   *       rebooting, reading back what survived and going on (as {@link ModelWorkload} does), so
   *       recovery from it went untested.
   * </ul>
   *
   * @return the reasons, empty for a run that tested what it claims
   */
  public List<String> vacuity() {
    List<String> reasons = new ArrayList<>();
    if (!unfiredFaults.isEmpty()) {
      reasons.add("the fault plan lists " + String.join(", ", unfiredFaults) + ", which never fired: the workload "
          + "ended before reaching it, so nothing was tested under it. Plan a fault the workload reaches, or make "
          + "the workload longer");
    }
    if (coverage.spaceRefusals() > 0 && !coverage.fullDiskExpected()) {
      reasons.add("the simulated disk filled up: " + coverage.spaceRefusals() + " growth(s) refused at its capacity of "
          + coverage.capacity() + " bytes. Operations failed for want of space, not because of a crash, and a "
          + "workload that treats the IOException as an ordinary failure tests less than it seems. Size the disk "
          + "with withCapacity(bytes), or declare expectingFullDisk() when a full disk is what the test is about");
    }
    if (coverage.operationsAcknowledged() == 0) {
      reasons.add("the workload acknowledged no operation: no crash state was judged against a durable result");
    } else if (coverage.acknowledgedWithCrashPoints() == 0) {
      reasons.add("none of the " + coverage.operationsAcknowledged() + " acknowledged operation(s) had a crash point "
          + "inside it: does the workload call acknowledge() without a storage call since the last one?");
    }
    if (coverage.faultsAfterLastAcknowledgement() > 0) {
      reasons.add(coverage.faultsAfterLastAcknowledgement() + " fault(s) fired after the last acknowledged operation: "
          + "the workload stopped at the fault, so recovery from it and work after it went untested. Reboot, read "
          + "back what survived, acknowledge it and go on (ModelWorkload does)");
    }
    return reasons;
  }

  /**
   * Throws when any violation was found, or when the run tested less than it seems (see {@link
   * #vacuity()}: a planned fault that never fired, a full disk the test did not declare, nothing
   * acknowledged or no crash point inside what was, a fault the workload stopped at).
   *
   * @return this, for chaining
   * @throws CrashViolation naming every violation, each with its replay call, or every reason the
   *     run was vacuous
   */
  public CrashExploration assertNoViolations() {
    List<String> vacuity = vacuity();
    if (violations.isEmpty() && !vacuity.isEmpty()) {
      throw new CrashViolation(
          name + " (seed " + seed + ") found no violation, but tested less than it seems: " + String.join("; ", vacuity)
              + ". " + this,
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
    return name + ": " + coverage.storageCalls() + " storage calls, " + crashPoints + " crash points, " + crashStates
        + " crash states, " + violations.size() + " violations, " + faultsFired + " faults fired"
        + (unfiredFaults.isEmpty() ? "" : " (" + unfiredFaults.size() + " planned never fired)") + ", "
        + coverage.operationsAcknowledged() + " operations acknowledged (" + coverage.acknowledgedWithCrashPoints()
        + " with crash points inside), disk " + coverage.largestSize() + " of " + coverage.capacity() + " bytes"
        + (coverage.spaceRefusals() == 0 ? "" : " (full " + coverage.spaceRefusals() + " time(s)"
            + (coverage.fullDiskExpected() ? ", expected)" : ")"))
        + (vacuity().isEmpty() ? "" : ", VACUOUS")
        + ", seed " + seed + ", " + millis + " ms";
  }
}
