package io.github.pager.testkit;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * One violation the crash explorer found, with everything needed to replay it as one call.
 *
 * @param point where the crash was simulated
 * @param imageNumber which post-crash image of that point (see {@link CrashImage})
 * @param seed the exploration's seed
 * @param faults the fault plan in force
 * @param choices what the image chose for each dirty OS page
 * @param expected what the workload had acknowledged and had in flight, as text
 * @param failure what the check threw
 */
public record CrashReport(
    CrashPoint point,
    int imageNumber,
    long seed,
    FaultPlan faults,
    String choices,
    String expected,
    Throwable failure) {

  /**
   * Returns the call that replays this violation, for an explorer configured like the one that
   * found it (same workload, check and storage settings).
   *
   * @return source code such as {@code explorer.withSeed(7L).withFaults(FaultPlan.none()
   *     .withSeed(7L)).replay(41, 3)}
   */
  public String replayCode() {
    return "explorer.withSeed(" + seed + "L).withFaults(" + faults.toCode() + ").replay(" + point.number()
        + ", " + imageNumber + ")";
  }

  @Override
  public String toString() {
    StringWriter trace = new StringWriter();
    failure.printStackTrace(new PrintWriter(trace));
    return "crash at " + point + ", image " + imageNumber + ", seed " + seed + "\n"
        + "  dirty pages: " + choices + "\n"
        + "  expected: " + expected + "\n"
        + "  violation: " + failure + "\n"
        + "  replay: " + replayCode() + "  (or -Dpager.seed=" + seed + ", when the test seeds this explorer with it)\n"
        + trace;
  }
}
