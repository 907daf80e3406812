package io.github.pager.bench;

import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.SplittableRandom;
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
 * A random 8-byte read of a page: through the pager ({@code pager.page(pager.pageId(index))
 * .getLong(offset)}, the path of a structure that stores page numbers) beside the same read of a
 * raw {@link MemorySegment} mapping a file of the same size.
 *
 * <p>Both draw page indices and offsets from the same seeded sequence, and both files are filled
 * in 4 KiB pieces, then read once in full before every iteration, so neither pays for page faults
 * or paged-out pages while measured. Reads are independent (no read depends on the previous one),
 * so the figure is a throughput cost per read, not a latency chain.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RandomReadBenchmark {
  private static final int SEED = 0x5eed;
  private static final int DRAWS = 1 << 16;

  /** Random (page index, offset) pairs over the data pages of a file of the given size. */
  @State(Scope.Thread)
  public abstract static class Draws {
    /** The size of both files. */
    @Param({"64MiB", "1GiB"})
    public String size;

    long[] pages;
    long[] offsets;
    int next;

    /** Where touching stores its sum, so the JIT cannot drop the reads. */
    long touched;

    void draw() {
      long pageCount = FileSize.pages(size);
      SplittableRandom random = new SplittableRandom(SEED);
      pages = new long[DRAWS];
      offsets = new long[DRAWS];
      for (int i = 0; i < DRAWS; i++) {
        // Pages 0 to 2 belong to the pager (superblock, metadata); both sides skip them.
        pages[i] = random.nextLong(3, pageCount);
        offsets[i] = 8L * random.nextInt(FileSize.PAGE_SIZE / 8);
      }
    }
  }

  /** A pager whose file has {@code size} bytes, its blocks reserved. */
  public static class PagerState extends Draws {
    Path path;
    Pager pager;

    /**
     * Creates the pager, allocates every page, and the draws. A user reads pages the pager gave
     * it: a draw that lands on one of the pager's own few pages (its free-space tree nodes, which
     * {@code page} refuses) moves to the next allocated page.
     */
    @Setup(Level.Trial)
    public void create() throws IOException {
      draw();
      path = ScratchFiles.newPath("read-pager");
      pager = Pager.create(path, PagerOptions.defaults().withInitialPageCount(FileSize.pages(size)));
      pager.allocBulk((int) pager.freePageCount());
      java.util.NavigableSet<Long> allocated = new java.util.TreeSet<>();
      pager.forEachAllocated(id -> allocated.add(id.index()));
      for (int i = 0; i < pages.length; i++) {
        Long user = allocated.ceiling(pages[i]);
        pages[i] = user != null ? user : allocated.first();
      }
      userPages = allocated.stream().mapToLong(Long::longValue).toArray();
    }

    /** Every page allocated to the benchmark, in order. */
    long[] userPages;

    /** Reads every user page once, so that none is paged out while measured. */
    @Setup(Level.Iteration)
    public void touch() {
      long sum = 0;
      for (long i : userPages) {
        sum += pager.page(pager.pageId(i)).getLong(0);
      }
      touched = sum;
    }

    /** Closes the pager and deletes its file. */
    @TearDown(Level.Trial)
    public void delete() throws Exception {
      ScratchFiles.closeAndDelete(pager, path);
    }
  }

  /** A plain mapped file of {@code size} bytes. */
  public static class RawState extends Draws {
    Path path;
    RawMappedFile file;

    /** Creates the file and the draws. */
    @Setup(Level.Trial)
    public void create() throws IOException {
      draw();
      path = ScratchFiles.newPath("read-raw");
      file = RawMappedFile.create(path, FileSize.bytes(size));
    }

    /** Reads every page once, so that none is paged out while measured. */
    @Setup(Level.Iteration)
    public void touch() {
      touched = file.touchEveryPage();
    }

    /** Unmaps and deletes the file. */
    @TearDown(Level.Trial)
    public void delete() throws Exception {
      ScratchFiles.closeAndDelete(file, path);
    }
  }

  /** One random 8-byte read through the pager. */
  @Benchmark
  public long pager(PagerState state) {
    int i = state.next++ & (DRAWS - 1);
    Pager pager = state.pager;
    return pager.page(pager.pageId(state.pages[i])).getLong(state.offsets[i]);
  }

  /** The same read of a raw mapped segment. */
  @Benchmark
  public long raw(RawState state) {
    int i = state.next++ & (DRAWS - 1);
    return state.file.segment().get(RawMappedFile.LONG, state.pages[i] * FileSize.PAGE_SIZE + state.offsets[i]);
  }
}
