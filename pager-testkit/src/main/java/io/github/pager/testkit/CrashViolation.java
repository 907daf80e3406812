package io.github.pager.testkit;

import java.io.Serial;
import java.util.List;

/**
 * Thrown when a crash exploration found states that break the check: carries the reports, the
 * first of which is the cause.
 */
public final class CrashViolation extends AssertionError {
  @Serial private static final long serialVersionUID = 1L;

  /** Not serialized with the error: reports hold images and a failure that may not serialize. */
  private final transient List<CrashReport> reports;

  CrashViolation(String message, List<CrashReport> reports) {
    super(message, reports.isEmpty() ? null : reports.get(0).failure());
    this.reports = List.copyOf(reports);
  }

  /**
   * Returns the violations found, in the order found.
   *
   * @return the reports, at least one
   */
  public List<CrashReport> reports() {
    return reports;
  }
}
