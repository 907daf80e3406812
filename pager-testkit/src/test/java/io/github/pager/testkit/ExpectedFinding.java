package io.github.pager.testkit;

import java.util.List;

/**
 * The line a test prints when an exploration finds what the test planted for it to find: a flaw
 * in a toy or a storage, a known limitation, or a workload that tests too little on purpose.
 *
 * <p>The explorer's own line counts "violations" or ends in "VACUOUS", and a caught failure is
 * printed with its exception's class: in a build log each reads like a broken build, although
 * the test passes because of it. Such tests explore {@link CrashExplorer#quietly() quietly} and,
 * once their assertions hold, print one of these lines instead. A test whose finding is missing
 * still fails as loudly as any other.
 */
final class ExpectedFinding {
  private static final String PREFIX = "[expected finding] ";

  private ExpectedFinding() {}

  /** Prints that the exploration caught what it was meant to catch, and where it first did. */
  static void caught(CrashExploration result) {
    System.out.println(PREFIX + result.name() + ": caught (" + result.violations().size() + " crash states shown, of "
        + result.crashStates() + " checked); " + first(result.violations()));
  }

  /** Prints that an exploration, named by {@code name}, caught what it was meant to catch. */
  static void caught(String name, List<CrashReport> reports) {
    System.out.println(PREFIX + name + ": caught (" + reports.size() + " crash states shown); " + first(reports));
  }

  /** Prints that the explorer refused a run as testing too little, as the test means it to. */
  static void vacuous(CrashExploration result) {
    System.out.println(PREFIX + result.name() + ": refused as testing too little, as intended: "
        + String.join("; ", result.vacuity()) + " (" + result.crashStates() + " crash states)");
  }

  private static String first(List<CrashReport> reports) {
    CrashReport first = reports.get(0);
    String message = first.failure().getMessage();
    String said = message == null ? first.failure().getClass().getSimpleName() : message.lines().findFirst().orElse("");
    return "the first at " + first.point() + ", image " + first.imageNumber() + ": " + said;
  }
}
