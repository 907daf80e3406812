package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.Durability;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.testkit.process.AcknowledgedCommits;
import io.github.pager.testkit.process.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registered readers in this JVM beside a writer in a child JVM that commits as fast as it can
 * (allocations, frees, root values, a bitmap and an array of several levels, growth), each commit
 * acknowledged with its state ({@link StructuresWriterMain}). Reader threads open the file
 * read-only, read, hold their commit for a while, read it again, refresh to the newest commit and
 * read that, several times, and close. Every state they read must be one the writer
 * acknowledged for that generation, however long they held it: the writer reuses no page a
 * registered reader's commit reaches. So there must be no {@link
 * io.github.pager.core.StaleViewException} and no other exception at all.
 *
 * <p>About 10 s; two minutes with {@code -Dpager.soak=true}. The readers' choices come from the
 * printed seed ({@code -Dpager.seed=N}); the interleaving with the writer cannot be replayed.
 */
class ReadersInOtherProcessesStressTest {
  private static final PagerOptions READ_ONLY = StructuresWriterMain.OPTIONS.withReadOnly(true);
  private static final int READER_THREADS = 2;
  private static final int MAX_REFRESHES_PER_OPEN = 6;
  private static final int MAX_HOLD_MILLIS = 20;
  private static final int FAILURES_DETAILED = 5;

  @TempDir Path dir;

  private final AtomicLong opens = new AtomicLong();
  private final AtomicLong refreshes = new AtomicLong();
  private final AtomicLong moved = new AtomicLong();
  private final AtomicLong observations = new AtomicLong();
  private final Map<String, Integer> failures = new TreeMap<>();
  private final List<String> details = new ArrayList<>();
  private @Nullable Throwable firstFailure;

  /** The largest {@code READERS} report of the writer: live readers, and pages held for them. */
  private int mostLiveReaders;

  private long mostPagesHeld;

  @Test
  void everyStateARegisteredReaderReadsIsTheAcknowledgedOneOfItsGeneration() throws Exception {
    long seed = CrashExplorer.defaultSeed();
    Path file = dir.resolve("stressed.pages");
    Duration duration = Duration.ofSeconds(CrashExplorer.soak() ? 120 : 10);
    long[] recordIndexes = StructuresWriterMain.recordIndexes(seed);
    long newest;
    try (ChildJvm writer = ChildJvm.start(StructuresWriterMain.class, dir.resolve("writer.out"),
        file.toString(), Long.toString(seed), Durability.NONE.name())) {
      AcknowledgedCommits acknowledged = new AcknowledgedCommits(writer, this::writerReport);
      acknowledged.await(1); // the file exists from here on
      long deadline = System.nanoTime() + duration.toNanos();
      List<Thread> readers = new ArrayList<>();
      for (int i = 0; i < READER_THREADS; i++) {
        SplittableRandom random = new SplittableRandom(seed + i);
        Thread reader = new Thread(() -> readUntil(deadline, file, acknowledged, recordIndexes, random), "reader-" + i);
        reader.start();
        readers.add(reader);
      }
      for (Thread reader : readers) {
        reader.join();
      }
      newest = acknowledged.newest();
    }
    System.out.printf("[cross-process readers] %d opens, %d refreshes (%d to a newer commit), %d states read, "
            + "%d failed %s; the writer reached generation %d and reported up to %d live readers and %d pages held;"
            + " seed %d%n",
        opens.get(), refreshes.get(), moved.get(), observations.get(), failureCount(), failures, newest,
        mostLiveReaders, mostPagesHeld, seed);
    if (failureCount() > 0) {
      throw new AssertionError("seed " + seed + " (-Dpager.seed=" + seed + "): " + failureCount()
          + " reads beside the writer failed " + failures + ":\n  " + String.join("\n  ", details), firstFailure);
    }
    assertThat(moved.get()).as("refreshes that moved to a newer commit").isPositive();
    assertThat(mostLiveReaders).as("live readers the writer saw in its reports").isPositive();
  }

  private void readUntil(long deadline, Path file, AcknowledgedCommits acknowledged, long[] recordIndexes,
      SplittableRandom random) {
    while (System.nanoTime() < deadline) {
      opens.incrementAndGet();
      String stage = "opening";
      try (Pager reader = Pager.open(file, READ_ONLY)) {
        if (!reader.isRegisteredReader()) {
          fail("unregistered", "a read-only pager on a real file in a writable directory did not register", null);
          return;
        }
        stage = "reading generation " + reader.generation() + " after open";
        observe(reader, acknowledged, recordIndexes);
        int refreshesThisOpen = random.nextInt(MAX_REFRESHES_PER_OPEN + 1);
        for (int i = 0; i < refreshesThisOpen; i++) {
          if (random.nextBoolean()) {
            // Hold the commit while the writer commits on, freeing pages it reaches.
            Thread.sleep(random.nextInt(MAX_HOLD_MILLIS));
          }
          stage = "reading generation " + reader.generation() + " again";
          observe(reader, acknowledged, recordIndexes);
          stage = "refreshing from generation " + reader.generation();
          refreshes.incrementAndGet();
          if (reader.refresh()) {
            moved.incrementAndGet();
          }
          stage = "reading generation " + reader.generation() + " after refresh";
          observe(reader, acknowledged, recordIndexes);
        }
      } catch (Exception | AssertionError e) {
        fail(stage + ": " + e.getClass().getSimpleName(), stage + ": " + e, e);
      }
    }
  }

  private void observe(Pager reader, AcknowledgedCommits acknowledged, long[] recordIndexes) throws Exception {
    String seen = StructuresWriterMain.render(reader, recordIndexes);
    String expected = acknowledged.await(reader.generation());
    observations.incrementAndGet();
    if (!seen.equals(expected)) {
      fail("state differs from the writer's", "generation " + reader.generation() + " read as\n      " + seen
          + "\n    but the writer acknowledged\n      " + expected, null);
    }
  }

  /** A {@code READERS <live> <oldest> <held>} line of the writer. */
  private synchronized void writerReport(String line) {
    if (line.startsWith("READERS ")) {
      String[] fields = line.split(" ");
      mostLiveReaders = Math.max(mostLiveReaders, Integer.parseInt(fields[1]));
      mostPagesHeld = Math.max(mostPagesHeld, Long.parseLong(fields[3]));
    }
  }

  private synchronized void fail(String kind, String detail, @Nullable Throwable cause) {
    boolean firstOfItsKind = !failures.containsKey(kind.replaceAll("generation \\d+", "generation g"));
    failures.merge(kind.replaceAll("generation \\d+", "generation g"), 1, Integer::sum);
    if (firstOfItsKind || details.size() < FAILURES_DETAILED) {
      details.add(detail);
    }
    if (firstFailure == null && cause != null) {
      firstFailure = cause;
    }
  }

  private synchronized int failureCount() {
    return failures.values().stream().mapToInt(Integer::intValue).sum();
  }
}
