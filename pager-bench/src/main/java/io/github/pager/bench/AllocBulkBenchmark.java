package io.github.pager.bench;

import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
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
 * The throughput of {@link Pager#allocBulk}: {@code count} pages in one durable commit. Measured
 * as the time of one call, so that a median survives this machine's multi-millisecond disk stalls
 * (a throughput mean does not); pages per second are {@code count} divided by that time.
 *
 * <p>Each measured call is followed, outside the measurement, by a {@code freeBulk} of the same
 * pages, so the file (64 MiB, blocks reserved) never grows: growth would be measured instead.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
public class AllocBulkBenchmark {
  /** Pages per call. */
  @Param({"1", "64", "1024"})
  public int count;

  private Path path;
  private Pager pager;
  private List<PageId> allocated = List.of();

  /** Creates the pager. */
  @Setup(Level.Trial)
  public void create() throws IOException {
    path = ScratchFiles.newPath("alloc-bulk");
    pager = Pager.create(path, PagerOptions.defaults().withInitialPageCount(FileSize.pages("64MiB")));
  }

  /** Frees, in a commit of its own, the pages the measured call took. */
  @TearDown(Level.Invocation)
  public void freeThem() throws IOException {
    pager.freeBulk(allocated);
    allocated = List.of();
  }

  /** Closes the pager and deletes its file. */
  @TearDown(Level.Trial)
  public void delete() throws Exception {
    ScratchFiles.closeAndDelete(pager, path);
  }

  /** Allocates {@code count} pages in one durable commit. */
  @Benchmark
  public List<PageId> allocBulk() throws IOException {
    allocated = pager.allocBulk(count);
    return allocated;
  }
}
