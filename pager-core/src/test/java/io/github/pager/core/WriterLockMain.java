package io.github.pager.core;

import java.nio.file.Path;

/**
 * Runs in a child JVM for {@link CrossProcessLockTest}: opens the page file named by its
 * argument for writing, says so on stdout, and holds it until stdin closes.
 */
public final class WriterLockMain {
  private WriterLockMain() {}

  /**
   * Opens the file and waits.
   *
   * @param args the page file's path
   * @throws Exception when the file cannot be opened
   */
  public static void main(String[] args) throws Exception {
    try (Pager pager = Pager.open(Path.of(args[0]))) {
      pager.alloc();
      System.out.println("HOLDING " + pager.generation());
      System.out.flush();
      while (System.in.read() >= 0) {
        // Hold the lock until the parent closes our stdin (or kills us).
      }
    }
  }
}
