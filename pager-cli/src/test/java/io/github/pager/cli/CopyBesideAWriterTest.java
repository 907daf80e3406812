package io.github.pager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.Durability;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.testkit.process.ChildJvm;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The copy under a write load: {@code pager copy} of a file that a writer in a child JVM keeps
 * committing to. Every copy that succeeds opens clean (no fallback, {@code verify} exits 0) and
 * equals, page CRCs, sub-pages and protected versions included, the state the writer acknowledged
 * for the copy's generation. A copy the writer overtook may be refused as stale (exit 8, no file
 * left); any other outcome fails. Between copies, {@code info} and {@code verify} of the live
 * file must exit 0 or 8, never report damage.
 *
 * <p>Takes five clean copies (two hundred with {@code -Dpager.soak=true}); the seed is printed,
 * and {@code -Dpager.seed=N} replays the writer's choices (not its timing).
 */
class CopyBesideAWriterTest {
  /**
   * The writer's pause after each commit. Its commits are not synced ({@link Durability#NONE}),
   * which makes them fast: without the pause, and without the copy's check that the writer did not
   * overtake it, copies mix commits.
   */
  private static final long PAUSE_MILLIS = 2;

  @TempDir Path dir;

  private ByteArrayOutputStream out = new ByteArrayOutputStream();
  private ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final Map<Long, String> acknowledged = new HashMap<>();

  @Test
  void copiesOfAFileUnderWriteLoadOpenCleanAndEqualTheWritersCommit() throws Exception {
    long seed = Long.getLong("pager.seed", System.nanoTime());
    boolean soak = Boolean.getBoolean("pager.soak");
    int wanted = soak ? 200 : 5;
    // A bound on the run, not a timing assertion: it only ends a run that cannot finish.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(soak ? 900 : 120);
    Path file = dir.resolve("live.pages");
    int clean = 0;
    int stale = 0;
    int attempts = 0;
    try (ChildJvm writer = ChildJvm.start(LiveWriterMain.class, dir.resolve("writer.out"), file.toString(),
        Long.toString(seed), Long.toString(PAUSE_MILLIS), Durability.NONE.name())) {
      absorb(writer.awaitLine(line -> line.startsWith("ACK ")));
      String where = "seed " + seed + " (-Dpager.seed=" + seed + ")";
      while (clean < wanted && System.nanoTime() < deadline) {
        attempts++;
        Path target = dir.resolve("copy-" + attempts + ".pages");
        int code = run("copy", file.toString(), target.toString());
        if (code == ExitCode.STALE) {
          stale++;
          assertThat(target).as("a stale copy leaves no file").doesNotExist();
          continue;
        }
        assertThat(code).as("%s: copy %d: %s%s", where, attempts, out(), err()).isZero();
        long generation;
        String seen;
        try (Pager copy = Pager.open(target, PagerOptions.defaults().withReadOnly(true))) {
          assertThat(copy.openedFromAlternate()).isFalse();
          generation = copy.generation();
          seen = LiveWriterMain.render(copy, seed);
        }
        assertThat(seen).as("%s: the copy of generation %d", where, generation).isEqualTo(acknowledged(writer, generation));
        assertThat(run("verify", target.toString())).as("%s: verify of the copy: %s%s", where, out(), err()).isZero();
        assertThat(run("verify", file.toString())).as("%s: verify of the live file: %s%s", where, out(), err())
            .isIn(ExitCode.OK, ExitCode.STALE);
        assertThat(run("info", file.toString())).as("%s: info of the live file: %s", where, err())
            .isIn(ExitCode.OK, ExitCode.STALE);
        Files.delete(target);
        clean++;
        // Later copies are of later commits: older states are no longer needed.
        acknowledged.keySet().removeIf(older -> older < generation);
      }
      System.out.printf("[copy beside a writer] %d clean copies, %d stale, of %d attempts; writer at generation %d; %s%n",
          clean, stale, attempts, newest(writer), where);
      assertThat(clean).as("%s: clean copies of %d attempts (%d stale)", where, attempts, stale).isEqualTo(wanted);
      assertThat(writer.isAlive()).as("the writer committed all along").isTrue();
    }
  }

  private int run(String... args) {
    out = new ByteArrayOutputStream();
    err = new ByteArrayOutputStream();
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  /** The writer's rendering of a generation, waiting for its line if it is not printed yet. */
  private String acknowledged(ChildJvm writer, long generation) throws IOException, InterruptedException {
    while (true) {
      String state = acknowledged.get(generation);
      if (state != null) {
        return state;
      }
      boolean exited = !writer.isAlive();
      absorb(writer.newLines());
      if (exited && !acknowledged.containsKey(generation)) {
        throw new AssertionError("the writer exited before acknowledging generation " + generation);
      }
      Thread.sleep(1);
    }
  }

  private long newest(ChildJvm writer) throws IOException {
    absorb(writer.newLines());
    return acknowledged.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
  }

  private void absorb(List<String> lines) {
    for (String line : lines) {
      if (line.startsWith("ACK ")) {
        int space = line.indexOf(' ', 4);
        acknowledged.put(Long.parseLong(line.substring(4, space)),
            line.substring(space + 1, line.length() - ChildJvm.END_MARK.length()));
      }
    }
  }
}
