package io.github.pager.cli;

import java.io.PrintWriter;

/**
 * A one-line progress bar on a terminal, redrawn in place; silent when output is not a terminal
 * (or JSON was asked for), so logs and pipes get only the report.
 */
final class Progress {
  private static final int WIDTH = 30;

  private final PrintWriter err;
  private final boolean enabled;
  private final int steps;
  private int done;

  Progress(PrintWriter err, boolean enabled, int steps) {
    this.err = err;
    this.enabled = enabled;
    this.steps = steps;
  }

  static boolean onTerminal() {
    return System.console() != null;
  }

  /** Shows that step {@code name} starts. */
  void step(String name) {
    if (!enabled) {
      return;
    }
    int filled = WIDTH * done / steps;
    err.printf("\r[%s%s] %d/%d %-40s", "#".repeat(filled), " ".repeat(WIDTH - filled), done + 1, steps, name);
    err.flush();
    done++;
  }

  /** Clears the bar. */
  void finish() {
    if (enabled) {
      err.printf("\r%s\r", " ".repeat(WIDTH + 50));
      err.flush();
    }
  }
}
