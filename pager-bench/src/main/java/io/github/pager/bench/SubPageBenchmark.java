package io.github.pager.bench;

import io.github.pager.allocator.SubPageAllocator;
import io.github.pager.allocator.SubPageId;
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
 * The persistent sub-page allocator: one sub-page per durable commit, and 64 per commit in bulk.
 * Each call changes the allocator's two bitmaps and, now and then, takes a parent page from the
 * pager, all in one commit; compare with {@link RawSyncBenchmark} in the same run.
 *
 * <p>What a measured call took is freed afterwards in a commit of its own, outside the
 * measurement, so the state stays the same size from call to call.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
public class SubPageBenchmark {
  /** Bytes per sub-page. */
  @Param({"64", "512"})
  public int subPageSize;

  private Path path;
  private Pager pager;
  private SubPageAllocator sub;
  private List<SubPageId> taken = List.of();

  /** Creates the pager, and a few hundred live sub-pages so the bitmaps are not trivially small. */
  @Setup(Level.Trial)
  public void create() throws IOException {
    path = ScratchFiles.newPath("sub-page");
    pager = Pager.create(path, PagerOptions.defaults().withInitialPageCount(FileSize.pages("64MiB")));
    sub = SubPageAllocator.open(pager, 0, subPageSize);
    sub.allocBulk(500);
  }

  /** Frees, in a commit of its own, what the measured call took. */
  @TearDown(Level.Invocation)
  public void freeThem() throws IOException {
    if (!taken.isEmpty()) {
      sub.freeBulk(taken);
      taken = List.of();
    }
  }

  /** Closes the pager and deletes its file. */
  @TearDown(Level.Trial)
  public void delete() throws Exception {
    ScratchFiles.closeAndDelete(pager, path);
  }

  /** One sub-page, one durable commit. */
  @Benchmark
  public SubPageId allocOne() throws IOException {
    SubPageId id = sub.alloc();
    taken = List.of(id);
    return id;
  }

  /** Sixty-four sub-pages, one durable commit. */
  @Benchmark
  public List<SubPageId> allocBulk64() throws IOException {
    taken = sub.allocBulk(64);
    return taken;
  }
}
