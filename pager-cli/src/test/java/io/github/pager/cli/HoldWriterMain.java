package io.github.pager.cli;

import io.github.pager.core.Pager;
import java.nio.file.Path;

/**
 * Runs in a child JVM for {@link MainTest}: opens the page file named by its argument for
 * writing, prints {@code HOLDING} and holds it until stdin closes.
 */
public final class HoldWriterMain {
  private HoldWriterMain() {}

  /**
   * Opens the file and waits.
   *
   * @param args the page file's path
   * @throws Exception when the file cannot be opened
   */
  public static void main(String[] args) throws Exception {
    try (Pager pager = Pager.open(Path.of(args[0]))) {
      System.out.println("HOLDING " + pager.generation());
      System.out.flush();
      while (System.in.read() >= 0) {
        // Hold the lock until the parent closes our stdin.
      }
    }
  }
}
