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
  private String current = "";
  private int shownPercent = -1;

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
    current = name;
    shownPercent = -1;
    draw(0);
    done++;
  }

  /** Shows how far the current step got, from 0 to 1; redraws only when the percentage moves. */
  void within(double fraction) {
    int percent = (int) (fraction * 100);
    if (percent != shownPercent) {
      shownPercent = percent;
      done--;
      draw(fraction);
      done++;
    }
  }

  private void draw(double fraction) {
    if (!enabled) {
      return;
    }
    int filled = (int) (WIDTH * (done + Math.min(1, fraction)) / steps);
    String label = fraction > 0 ? current + " " + (int) (fraction * 100) + "%" : current;
    err.printf("\r[%s%s] %d/%d %-40s", "#".repeat(filled), " ".repeat(WIDTH - filled), done + 1, steps, label);
    err.flush();
  }

  /** Clears the bar. */
  void finish() {
    if (enabled) {
      err.printf("\r%s\r", " ".repeat(WIDTH + 50));
      err.flush();
    }
  }
}
