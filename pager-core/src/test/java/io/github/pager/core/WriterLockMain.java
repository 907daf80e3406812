package io.github.pager.core;

import java.nio.file.Path;

/**
 * Runs in a child JVM for {@link CrossProcessLockTest}, in one of three modes named by its first
 * argument, on the page file named by its second.
 *
 * <ul>
 *   <li>{@code hold}: opens the file for writing, allocates a page, prints {@code HOLDING} and
 *       holds the file until stdin closes (or the parent kills this process).
 *   <li>{@code try}: tries to open the file for writing once and prints {@code REFUSED} when the
 *       writer lock is held elsewhere, {@code OPENED} when this process got it.
 * </ul>
 */
public final class WriterLockMain {
  private WriterLockMain() {}

  /**
   * Holds or tries the file.
   *
   * @param args the mode ({@code hold}, {@code try} or {@code readers}) and the page file's path
   * @throws Exception when the file cannot be opened for a reason other than the lock
   */
  public static void main(String[] args) throws Exception {
    Path path = Path.of(args[1]);
    switch (args[0]) {
      case "hold" -> hold(path);
      case "try" -> tryOnce(path);
      case "readers" -> readers(path);
      default -> throw new IllegalArgumentException("mode must be hold, try or readers: " + args[0]);
    }
  }

  private static void hold(Path path) throws Exception {
    try (Pager pager = Pager.open(path)) {
      pager.alloc();
      System.out.println("HOLDING " + pager.generation());
      System.out.flush();
      while (System.in.read() >= 0) {
        // Hold the lock until the parent closes our stdin (or kills us).
      }
    }
  }

  private static void tryOnce(Path path) throws Exception {
    try (Pager pager = Pager.open(path)) {
      System.out.println("OPENED at generation " + pager.generation());
    } catch (PageFileLockedException refused) {
      System.out.println("REFUSED " + refused.getMessage());
    }
  }

  private static void readers(Path path) throws Exception {
    try (Pager pager = Pager.open(path, PagerOptions.defaults().withReadOnly(true))) {
      long oldest = pager.oldestReaderGeneration();
      System.out.println("READERS " + pager.liveReaders() + " " + (oldest == Long.MAX_VALUE ? "none" : oldest));
    }
  }
}
