package io.github.pager.testkit;

import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.testkit.process.ChildJvm;
import io.github.pager.testkit.process.ReadersBesideWriter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The reader child of {@link ReaderInAnotherProcessTest}: opens a page file read-only, so that
 * it registers the commit it opened at, and keeps reading that commit until told to close (or
 * killed).
 *
 * <p>Protocol: at open it prints {@code OPENED <generation> <registered> <state>}; for each line
 * {@code render} on its standard input, {@code STATE <generation> <state>}; for {@code close}, it
 * closes the pager and prints {@code CLOSED}. A read that throws prints {@code FAILED
 * <exception>}. It exits when its input ends. States are written by {@link #render}.
 */
public final class HeldReaderMain {
  private HeldReaderMain() {}

  /**
   * Opens the file and answers the parent.
   *
   * @param args the page file
   * @throws IOException when the file cannot be opened or the input read
   */
  public static void main(String[] args) throws IOException {
    Path path = Path.of(args[0]);
    BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    Pager pager = Pager.open(path, PagerOptions.defaults().withReadOnly(true));
    print("OPENED " + pager.generation() + " " + pager.isRegisteredReader() + " " + render(pager));
    for (String line = input.readLine(); line != null; line = input.readLine()) {
      switch (line) {
        case "render" -> {
          try {
            print("STATE " + pager.generation() + " " + render(pager));
          } catch (IOException | RuntimeException e) {
            print("FAILED " + e);
          }
        }
        case "close" -> {
          pager.close();
          print("CLOSED");
        }
        default -> throw new IllegalArgumentException("unknown command: " + line);
      }
    }
  }

  /**
   * Renders what a reader sees of a commit: the pager's state (see {@link
   * ReadersBesideWriter#pagerState}) and the first word of every allocated page.
   *
   * @param pager an open pager
   * @return the rendering, on one line
   * @throws IOException when the pager cannot be read
   */
  static String render(Pager pager) throws IOException {
    StringBuilder text = new StringBuilder(ReadersBesideWriter.pagerState(pager)).append(";contents=");
    pager.forEachAllocated(id -> text.append(id.index()).append(':').append(pager.page(id).getLong(0)).append(','));
    return text.toString();
  }

  private static void print(String line) {
    System.out.println(line + ChildJvm.END_MARK);
    System.out.flush();
  }
}
