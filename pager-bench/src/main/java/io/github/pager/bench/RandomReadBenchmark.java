package io.github.pager.bench;

import io.github.pager.core.PageReader;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.lmdbjava.Stat;
import org.lmdbjava.Txn;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 *
 * <p>The peer, in the same run: {@link #lmdb}, an LMDB {@code get} of the record whose id is the
 * drawn page index, and an 8-byte read of its value at the drawn offset. The environment holds one
 * record per page of the pager's file, each {@link LmdbFile#PAGE_RECORD_SIZE} bytes (one LMDB
 * page apiece, so both files hold the same number of pages; offsets past the value wrap to its
 * start). The reads share one read transaction per iteration, begun after the iteration's touch
 * and ended after its last read: the way a fast user reads a batch, and LMDB's cheapest, since a
 * transaction's begin and end are then spread over millions of reads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(jvmArgsAppend = {LmdbFile.OPEN_JAVA_NIO, LmdbFile.OPEN_SUN_NIO_CH, LmdbFile.NATIVE_ACCESS})
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
      reader = pager.reader();
    }

    /** The pager's lean read path, taken once. */
    PageReader reader;

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

  /** An LMDB environment with one page-sized record per page of a file of {@code size} bytes. */
  public static class LmdbState extends Draws {
    LmdbFile lmdb;
    final ByteBuffer key = LmdbFile.newKey();
    Txn<ByteBuffer> txn;

    /**
     * Creates the environment, its records and the draws, and checks that each record took one
     * overflow page, so that the reads range over as many pages as the pager's.
     */
    @Setup(Level.Trial)
    public void create() throws IOException {
      draw();
      for (int i = 0; i < offsets.length; i++) {
        offsets[i] %= LmdbFile.PAGE_RECORD_SIZE;
      }
      long records = FileSize.pages(size);
      // Room for the records, their leaf and branch pages, and LMDB's free pages.
      lmdb = LmdbFile.create("read-lmdb", 2 * FileSize.bytes(size));
      lmdb.fill(0, records, LmdbFile.PAGE_RECORD_SIZE);
      try (Txn<ByteBuffer> check = lmdb.env().txnRead()) {
        Stat stat = lmdb.db().stat(check);
        if (stat.entries != records || stat.overflowPages != records) {
          throw new IllegalStateException(
              "expected " + records + " records in as many overflow pages, found "
                  + stat.entries + " in " + stat.overflowPages);
        }
      }
    }

    /** Begins the iteration's read transaction and reads every record once, so none is paged out. */
    @Setup(Level.Iteration)
    public void touch() {
      txn = lmdb.env().txnRead();
      long sum = 0;
      long records = FileSize.pages(size);
      for (long id = 0; id < records; id++) {
        key.putLong(0, id);
        sum += lmdb.db().get(txn, key).getLong(0);
      }
      touched = sum;
    }

    /** Ends the iteration's read transaction. */
    @TearDown(Level.Iteration)
    public void endRead() {
      txn.close();
    }

    /** Closes the environment and deletes its files. */
    @TearDown(Level.Trial)
    public void delete() throws IOException {
      lmdb.closeAndDelete();
    }
  }

  /** One random 8-byte read through the pager. */
  @Benchmark
  public long pager(PagerState state) {
    int i = state.next++ & (DRAWS - 1);
    Pager pager = state.pager;
    return pager.page(pager.pageId(state.pages[i])).getLong(state.offsets[i]);
  }

  /**
   * The same read through the pager's lean path, {@link PageReader}: the reader is taken once, as
   * a structure keeps it, and read by page index.
   */
  @Benchmark
  public long pagerReader(PagerState state) {
    int i = state.next++ & (DRAWS - 1);
    return state.reader.getLong(state.pages[i], state.offsets[i]);
  }

  /** The same read of a raw mapped segment. */
  @Benchmark
  public long raw(RawState state) {
    int i = state.next++ & (DRAWS - 1);
    return state.file.segment().get(RawMappedFile.LONG, state.pages[i] * FileSize.PAGE_SIZE + state.offsets[i]);
  }

  /** The same read of an LMDB record: a {@code get} in the iteration's read transaction. */
  @Benchmark
  public long lmdb(LmdbState state) {
    int i = state.next++ & (DRAWS - 1);
    ByteBuffer key = state.key;
    key.putLong(0, state.pages[i]);
    return state.lmdb.db().get(state.txn, key).getLong((int) state.offsets[i]);
  }
}
