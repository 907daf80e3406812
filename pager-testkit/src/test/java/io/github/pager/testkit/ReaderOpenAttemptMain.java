package io.github.pager.testkit;

import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.testkit.process.ChildJvm;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The child of {@link CompactionRefusalTest} that tries to open a page file read-only once, as a
 * reader in another process would, and says how it went: {@code OPENED <generation>
 * <registered>}, or {@code REFUSED <exception class> <message>} when the open threw. It closes
 * the pager and exits at once.
 */
public final class ReaderOpenAttemptMain {
  private ReaderOpenAttemptMain() {}

  /**
   * Tries the open and answers the parent.
   *
   * @param args the page file
   */
  public static void main(String[] args) {
    String answer;
    try (Pager pager = Pager.open(Path.of(args[0]), PagerOptions.defaults().withReadOnly(true))) {
      answer = "OPENED " + pager.generation() + " " + pager.isRegisteredReader();
    } catch (IOException | RuntimeException e) {
      answer = "REFUSED " + e.getClass().getName() + " " + e.getMessage();
    }
    System.out.println(answer + ChildJvm.END_MARK);
    System.out.flush();
  }
}
