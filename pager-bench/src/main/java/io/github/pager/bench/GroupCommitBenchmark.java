package io.github.pager.bench;

import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerCounters;
import io.github.pager.core.PagerOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Group commit: 1, 2, 4, 8 and 16 threads on one pager, each committing durable single
 * allocations and frees ({@code Durability.SYNC}) as fast as it can. Each measured call is one
 * commit: a thread allocates a page, and frees it with its next call, so the file never grows.
 *
 * <p>JMH samples each call's latency: the score is the mean, with p99 beside it; the commit rate
 * is threads / mean. The goal (performance issue): with 8 threads, at least 4 times the
 * single-thread rate, with p99 no worse than 3 flush pairs ({@link
 * RawSyncBenchmark#syncFileThenPage}, in the same run). At the end of each trial the pager's
 * counters show the mean group size: commits per flush.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class GroupCommitBenchmark {

  /** The pager all threads share. */
  @State(Scope.Benchmark)
  public static class SharedPager {
    Path path;
    Pager pager;
    PagerCounters atStart;

    /** Creates a 4 MiB file with its blocks reserved. */
    @Setup(Level.Trial)
    public void create() throws IOException {
      path = ScratchFiles.newPath("group-commit");
      pager = Pager.create(path, PagerOptions.defaults().withInitialPageCount(FileSize.pages("4MiB")));
      atStart = pager.counters();
    }

    /** Prints commits per flush, then closes the pager and deletes its file. */
    @TearDown(Level.Trial)
    public void delete() throws Exception {
      PagerCounters work = pager.counters().minus(atStart);
      System.out.printf(
          "%n%d commits in %d flushes: %.2f commits per flush, %.2f syncs per commit%n",
          work.groupedCommits(), work.groups(), (double) work.groupedCommits() / Math.max(1, work.groups()),
          (double) work.syncs() / Math.max(1, work.groupedCommits()));
      ScratchFiles.closeAndDelete(pager, path);
    }
  }

  /**
   * A thread's page: allocated by one call, freed by the next. A page left allocated at the end
   * goes with the file (JMH may tear the shared pager down first, so nothing is freed here).
   */
  @State(Scope.Thread)
  public static class OwnPage {
    PageId page;
  }

  private static PageId commitOne(SharedPager shared, OwnPage own) throws IOException {
    PageId page = own.page;
    if (page == null) {
      own.page = shared.pager.alloc();
    } else {
      shared.pager.free(page);
      own.page = null;
    }
    return own.page;
  }

  /** One thread committing: each commit has its own flush. */
  @Benchmark
  @Threads(1)
  public PageId threads01(SharedPager shared, OwnPage own) throws IOException {
    return commitOne(shared, own);
  }

  /** Two threads committing at once. */
  @Benchmark
  @Threads(2)
  public PageId threads02(SharedPager shared, OwnPage own) throws IOException {
    return commitOne(shared, own);
  }

  /** Four threads committing at once. */
  @Benchmark
  @Threads(4)
  public PageId threads04(SharedPager shared, OwnPage own) throws IOException {
    return commitOne(shared, own);
  }

  /** Eight threads committing at once: the goal. */
  @Benchmark
  @Threads(8)
  public PageId threads08(SharedPager shared, OwnPage own) throws IOException {
    return commitOne(shared, own);
  }

  /** Sixteen threads committing at once. */
  @Benchmark
  @Threads(16)
  public PageId threads16(SharedPager shared, OwnPage own) throws IOException {
    return commitOne(shared, own);
  }
}
