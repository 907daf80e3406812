package io.github.pager.bench;

import io.github.pager.core.Durability;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Snapshot;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What open snapshots cost the writer, and what taking one costs.
 *
 * <p>{@link #commit}: one durable commit ({@code Durability.SYNC}, unless asked otherwise) that allocates a
 * page and frees the one the commit before allocated, so every commit frees a page, with {@code
 * snapshots} snapshots open. Readers come and go: the snapshots are spread over a window of the
 * last {@value #WINDOW} commits, one taken every {@code WINDOW / snapshots} commits and the oldest
 * closed, so that with 1 or 64 open the writer holds back the same pages (those the last {@value
 * #WINDOW} commits freed) and the difference is the cost of the snapshots themselves. Compare
 * with {@code snapshots = 0} and with {@link RawSyncBenchmark}'s two-flush floor of the same run.
 *
 * <p>{@link #takeAndClose}: {@code pager.snapshot()} and its {@code close()}, with no commit.
 */
public class SnapshotBenchmark {
  /** How many recent commits the open snapshots span. */
  static final int WINDOW = 64;

  /** A pager with a stream of commits and a rotating set of open snapshots. */
  @State(Scope.Thread)
  public static class Writer {
    /** How many snapshots are open at once. */
    @Param({"0", "1", "64"})
    public int snapshots;

    /**
     * {@code SYNC}, what users run; {@code -p durability=NONE} leaves out the two flushes, so that
     * what is left is the pager's own work, which the disk's noise does not blur.
     */
    @Param({"SYNC"})
    public Durability durability;

    Path path;
    Pager pager;
    PageId last;
    long commits;
    final ArrayDeque<Snapshot> open = new ArrayDeque<>();

    /** Creates a 4 MiB pager and its first page. */
    @Setup(Level.Trial)
    public void create() throws IOException {
      path = ScratchFiles.newPath("snapshots");
      pager = Pager.create(
          path, PagerOptions.defaults().withInitialPageCount(FileSize.pages("4MiB")).withDurability(durability));
      last = pager.alloc();
    }

    /** Takes a snapshot every {@code WINDOW / snapshots} commits, closing the oldest beyond the count. */
    @Setup(Level.Invocation)
    public void rotate() {
      if (snapshots > 0 && commits % (WINDOW / snapshots) == 0) {
        open.addLast(pager.snapshot());
        if (open.size() > snapshots) {
          open.removeFirst().close();
        }
      }
    }

    /** Closes the snapshots and the pager, and deletes the file. */
    @TearDown(Level.Trial)
    public void delete() throws Exception {
      open.forEach(Snapshot::close);
      ScratchFiles.closeAndDelete(pager, path);
    }
  }

  /** One durable commit that allocates a page and frees the previous one. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public PageId commit(Writer state) throws IOException {
    Pager pager = state.pager;
    try (Transaction tx = pager.begin()) {
      PageId next = tx.alloc();
      tx.free(state.last);
      tx.commit();
      state.last = next;
    }
    state.commits++;
    return state.last;
  }

  /** A pager to take snapshots of. */
  @State(Scope.Thread)
  public static class Quiet {
    Path path;
    Pager pager;

    /** Creates a 4 MiB pager. */
    @Setup(Level.Trial)
    public void create() throws IOException {
      path = ScratchFiles.newPath("snapshot-take");
      pager = Pager.create(path, PagerOptions.defaults().withInitialPageCount(FileSize.pages("4MiB")));
      pager.alloc();
    }

    /** Closes the pager and deletes the file. */
    @TearDown(Level.Trial)
    public void delete() throws Exception {
      ScratchFiles.closeAndDelete(pager, path);
    }
  }

  /** Taking a snapshot and closing it: no I/O, no sync. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public long takeAndClose(Quiet state) {
    try (Snapshot snapshot = state.pager.snapshot()) {
      return snapshot.generation();
    }
  }
}
