package io.github.pager.cli;

import java.io.PrintWriter;
import org.jspecify.annotations.Nullable;

/**
 * A one-line progress bar on stderr, redrawn in place, that shows the whole run's percentage on
 * every frame; silent unless stderr is a terminal, so a report redirected to a file
 * ({@code > report}) keeps its bar, and an error log ({@code 2> log}) gets no frames.
 *
 * <p>Java cannot ask whether stderr alone is a terminal ({@code System.console()} looks at stdin
 * and stdout), so the {@code ./pager} launcher, which can ({@code [ -t 2 ]}), tells it through the
 * system property {@value #STDERR_TERMINAL}. Without it the bar stays off: run by other means, the
 * tool never fills a file with frames.
 */
final class Progress {
  /** The system property the launcher sets to {@code true} when stderr is a terminal. */
  static final String STDERR_TERMINAL = "pager.stderr.terminal";

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

  /** Whether a command shows a bar in this process, given whether it prints JSON. */
  static boolean wanted(boolean json) {
    return shows(System.getProperty(STDERR_TERMINAL), json);
  }

  /**
   * The decision: a bar only when the launcher said stderr is a terminal, and never beside JSON,
   * which a program reads.
   *
   * @param stderrTerminal the value of {@value #STDERR_TERMINAL}, or null when unset
   * @param json whether the command prints JSON
   */
  static boolean shows(@Nullable String stderrTerminal, boolean json) {
    return "true".equals(stderrTerminal) && !json;
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
    int percent = (int) (Math.min(1, fraction) * 100);
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
    double whole = (done + Math.min(1, Math.max(0, fraction))) / steps;
    int filled = (int) (WIDTH * whole);
    err.printf("\r[%s%s] %3d%% %d/%d %-40s", "#".repeat(filled), " ".repeat(WIDTH - filled), (int) (whole * 100),
        done + 1, steps, current);
    err.flush();
  }

  /** Clears the bar. */
  void finish() {
    if (enabled) {
      err.printf("\r%s\r", " ".repeat(WIDTH + 60));
      err.flush();
    }
  }
}
