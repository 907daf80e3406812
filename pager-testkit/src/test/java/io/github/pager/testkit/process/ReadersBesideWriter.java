package io.github.pager.testkit.process;

import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.StaleViewException;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Opens a page file read-only again and again while a writer in a child JVM commits to it, and
 * checks that every open shows exactly one acknowledged commit.
 *
 * <p>The writer prints, after each commit, a line made by {@link #acknowledge}: the commit's
 * generation and the state it left, as a test-chosen {@link View} of its own pager renders it.
 * Each reader opens the file, renders the same view of what it opened, and compares it with the
 * writer's line for the generation it opened (waiting for that line if the commit is still in
 * flight): equal, or the open mixed two commits.
 *
 * <p>What a read-only open beside a live writer may do: succeed with one commit's state, or (in a
 * read after the open) throw {@link StaleViewException} because the writer has since reused the
 * pages that commit reached; those are counted, not failed. Everything else fails: an exception
 * at open (a healthy file reported as corrupt, truncated, or not a page file), a fallback to the
 * alternate metadata copy, any other exception while reading, and a view that differs from the
 * writer's for the same generation.
 */
public final class ReadersBesideWriter {
  /** Generations kept for comparison; a reader is never this many commits behind the writer. */
  private static final int GENERATIONS_KEPT = 20_000;

  /** The failures reported in full, besides the first of each kind; the rest are only counted. */
  private static final int FAILURES_DETAILED = 5;

  /**
   * What the test reads of a commit, rendered as text that the writer and the readers produce
   * alike, so that equal text means an equal state.
   */
  @FunctionalInterface
  public interface View {
    /**
     * Reads the state an open pager holds and renders it.
     *
     * @param pager an open pager, read-only or the writer's own after a commit
     * @return the rendering; it must not contain a line separator
     * @throws IOException when the pager cannot be read
     */
    String render(Pager pager) throws IOException;
  }

  /**
   * What the loop counted.
   *
   * @param opens read-only opens attempted
   * @param consistent opens whose whole view equalled the writer's for the same generation
   * @param stale reads after an open that reported {@link StaleViewException}
   * @param failures how many opens failed, by what failed ("at open: CorruptSuperblockException")
   * @param details the first few failures, and the first of each kind, in full
   * @param firstFailure the first failure's exception, if it was one
   * @param newestGeneration the newest generation the writer acknowledged
   */
  public record Outcome(
      long opens,
      long consistent,
      long stale,
      Map<String, Integer> failures,
      List<String> details,
      @Nullable Throwable firstFailure,
      long newestGeneration) {

    /**
     * Returns the number of failed opens.
     *
     * @return the count
     */
    public int failureCount() {
      return failures.values().stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * Fails unless no open failed.
     *
     * @param context what to name in the message: seed, durability
     * @throws AssertionError listing what failed and how often, with the first failure's cause
     */
    public void assertNoFailures(String context) {
      if (failureCount() > 0) {
        throw new AssertionError(
            context + ": " + failureCount() + " of " + opens + " read-only opens beside the writer failed " + failures
                + ":\n  " + String.join("\n  ", details),
            firstFailure);
      }
    }

    @Override
    public String toString() {
      return opens + " read-only opens, " + consistent + " consistent, " + stale + " stale, " + failureCount()
          + " failed " + failures + ", writer at generation " + newestGeneration;
    }
  }

  private final ChildJvm writer;
  private final Path file;
  private final PagerOptions readOnly;
  private final View view;
  private final NavigableMap<Long, String> acknowledged = new TreeMap<>();

  private long opens;
  private long consistent;
  private long stale;
  private final Map<String, Integer> failures = new TreeMap<>();
  private final List<String> details = new ArrayList<>();
  private @Nullable Throwable firstFailure;

  private ReadersBesideWriter(ChildJvm writer, Path file, PagerOptions options, View view) {
    this.writer = writer;
    this.file = file;
    this.readOnly = options.withReadOnly(true);
    this.view = view;
  }

  /**
   * Prints a commit's acknowledgement, the line the readers compare with; the writer calls it
   * after each commit.
   *
   * @param out where the parent reads the writer's lines
   * @param pager the writer's pager, just after a commit
   * @param view the same view the readers use
   * @throws IOException when the pager cannot be read
   */
  public static void acknowledge(PrintStream out, Pager pager, View view) throws IOException {
    out.println("ACK " + pager.generation() + " " + view.render(pager) + ChildJvm.END_MARK);
    out.flush();
  }

  /**
   * Renders what every view starts with: the page and free counts, every root value, and every
   * allocated page.
   *
   * @param pager an open pager
   * @return the rendering
   * @throws IOException when the free-space tree cannot be read
   */
  public static String pagerState(Pager pager) throws IOException {
    StringBuilder text = new StringBuilder("pages=").append(pager.pageCount())
        .append(";free=").append(pager.freePageCount()).append(";roots=");
    for (int slot = 0; slot < Transaction.ROOT_SLOTS; slot++) {
      text.append(pager.root(slot)).append(',');
    }
    text.append(";allocated=");
    pager.forEachAllocated(id -> text.append(id.index()).append(','));
    return text.toString();
  }

  /**
   * Opens {@code file} read-only in a loop for {@code duration}, beside the running writer, and
   * returns what it counted. Waits for the writer's first acknowledgement before the first open.
   *
   * @param writer the writer child, printing {@link #acknowledge} lines
   * @param file the page file it commits to
   * @param options the options to open with; read-only is set here
   * @param view what to read of each open
   * @param duration how long to go on opening
   * @return the counts
   * @throws IOException when the writer's output cannot be read
   * @throws InterruptedException when interrupted
   * @throws AssertionError when the writer exits or skips a generation a reader opened
   */
  public static Outcome run(ChildJvm writer, Path file, PagerOptions options, View view, Duration duration)
      throws IOException, InterruptedException {
    ReadersBesideWriter loop = new ReadersBesideWriter(writer, file, options, view);
    loop.absorb(writer.awaitLine(line -> line.startsWith("ACK ")));
    long deadline = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() < deadline) {
      loop.openOnce();
    }
    return new Outcome(loop.opens, loop.consistent, loop.stale, Map.copyOf(loop.failures), List.copyOf(loop.details),
        loop.firstFailure, loop.acknowledged.isEmpty() ? 0 : loop.acknowledged.lastKey());
  }

  private void openOnce() throws IOException, InterruptedException {
    opens++;
    boolean opened = false;
    long generation = -1;
    String seen;
    try (Pager pager = Pager.open(file, readOnly)) {
      opened = true;
      generation = pager.generation();
      if (pager.openedFromAlternate()) {
        fail("at open: fell back to the alternate copy",
            "opened generation " + generation + " from the alternate metadata copy of a healthy file", null);
        return;
      }
      seen = view.render(pager);
    } catch (StaleViewException e) {
      if (opened) {
        stale++;
      } else {
        fail("at open: StaleViewException", "a fresh open reported a stale view: " + e, e);
      }
      return;
    } catch (IOException | RuntimeException | AssertionError e) {
      String kind = (opened ? "while reading: " : "at open: ") + e.getClass().getSimpleName();
      fail(kind, (opened ? "reading generation " + generation : "opening") + ": " + e, e);
      return;
    }
    // Outside the try: a writer that died or skipped a generation ends the test, it is not an
    // outcome of this open.
    String expected = acknowledgedState(generation);
    if (seen.equals(expected)) {
      consistent++;
    } else {
      fail("view differs from the writer's",
          "generation " + generation + " read as\n      " + seen + "\n    but the writer acknowledged\n      " + expected,
          null);
    }
  }

  /** The writer's rendering of a generation, waiting for it while that commit is in flight. */
  private String acknowledgedState(long generation) throws IOException, InterruptedException {
    while (true) {
      String state = acknowledged.get(generation);
      if (state != null) {
        return state;
      }
      if (!acknowledged.isEmpty() && acknowledged.lastKey() > generation) {
        throw new AssertionError("a reader opened generation " + generation
            + ", which the writer did not acknowledge (it acknowledged " + acknowledged.firstKey() + " to "
            + acknowledged.lastKey() + ")");
      }
      boolean exited = !writer.isAlive();
      absorb(writer.newLines());
      if (exited && !acknowledged.containsKey(generation)) {
        throw new AssertionError("the writer " + writer + " exited before acknowledging generation " + generation);
      }
      Thread.sleep(1);
    }
  }

  private void absorb(List<String> lines) {
    for (String line : lines) {
      if (line.startsWith("ACK ")) {
        int space = line.indexOf(' ', 4);
        acknowledged.put(Long.parseLong(line.substring(4, space)),
            line.substring(space + 1, line.length() - ChildJvm.END_MARK.length()));
      }
    }
    while (acknowledged.size() > GENERATIONS_KEPT) {
      acknowledged.pollFirstEntry();
    }
  }

  private void fail(String kind, String detail, @Nullable Throwable cause) {
    boolean firstOfItsKind = !failures.containsKey(kind);
    failures.merge(kind, 1, Integer::sum);
    if (firstOfItsKind || details.size() < FAILURES_DETAILED) {
      details.add("open " + opens + ": " + detail);
    }
    if (firstFailure == null && cause != null) {
      firstFailure = cause;
    }
  }
}
