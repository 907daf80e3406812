package io.github.pager.bench;

import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.protectedpages.ProtectedPageAllocator;
import io.github.pager.protectedpages.ProtectedPageId;
import io.github.pager.protectedpages.ProtectedPageWriter;
import io.github.pager.protectedpages.ProtectedTransaction;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.lmdbjava.Txn;
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
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Every durable single-commit row of issue 12, interleaved: the floor, the pager and LMDB take
 * turns within each invocation, so that all of them meet the same disk.
 *
 * <p>Why: this machine's disk changes its mood within minutes (one flush 270 µs in one pass and
 * 400 µs in the next, the two-flush floor 684 µs in one run and 1,033 µs in the other). Separate
 * JMH benchmarks run one after the other, so their ratios mix the code with the disk's drift. Here
 * one invocation runs one round: each operation once, timed alone with {@link System#nanoTime},
 * in an order that rotates from round to round so that no operation always follows the same one.
 * JMH's own score is the round's time and means little; the figures are the per-operation
 * medians and 99th percentiles the trial's teardown prints, with their ratios to the floor and
 * to the LMDB peer, all from the same rounds.
 *
 * <p>The operations, each the same work as its benchmark of its own:
 *
 * <ul>
 *   <li>{@code floor}: {@link RawSyncBenchmark#syncFileThenPage}, a write and {@code fdatasync},
 *       then a write and {@code msync} of one page;
 *   <li>{@code floor dsync}: {@link RawSyncBenchmark#syncFileThenDsyncWrite}, a write and {@code
 *       fdatasync}, then one page written through an {@code O_DSYNC} descriptor, as LMDB writes
 *       its meta page and the pager its record;
 *   <li>{@code pager alloc} and {@code pager free}: a durable single {@code alloc}, then a durable
 *       {@code free} of the page it took, on a 4 MiB file ({@link DurableCommitBenchmark});
 *   <li>{@code lmdb put} and {@code lmdb delete}: one 8-byte record put, then deleted, each in a
 *       durable write transaction of its own;
 *   <li>{@code protected 4k} and {@code lmdb 4k}: one 4 KiB page rewritten whole and committed, and
 *       LMDB's put of a 4 KiB value over an existing record ({@link ProtectedCommitBenchmark});
 *   <li>{@code protected 16} and {@code lmdb 16}: sixteen pages rewritten in one commit, and
 *       sixteen 4 KiB puts in one LMDB transaction.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(jvmArgsAppend = {LmdbFile.OPEN_JAVA_NIO, LmdbFile.OPEN_SUN_NIO_CH, LmdbFile.NATIVE_ACCESS})
public class InterleavedCommitBenchmark {
  private static final int PAGES = 16;

  /** The operations of a round, in pairs that must run in order (a free after its alloc). */
  private static final String[][] UNITS = {
    {"floor"},
    {"floor dsync"},
    {"pager alloc", "pager free"},
    {"lmdb put", "lmdb delete"},
    {"protected 4k"},
    {"lmdb 4k"},
    {"protected 16"},
    {"lmdb 16"},
  };

  /** Each pager row beside its floor and peer, for the teardown's table. */
  private static final String[][] ROWS = {
    {"pager alloc", "lmdb put"},
    {"pager free", "lmdb delete"},
    {"protected 4k", "lmdb 4k"},
    {"protected 16", "lmdb 16"},
  };

  /** Everything a round touches, and the samples of the measured iterations. */
  @State(Scope.Thread)
  public static class Files {
    Path rawPath;
    RawMappedFile raw;
    MemorySegment page0;
    MemorySegment page1;
    FileChannel dsync;
    final ByteBuffer record = ByteBuffer.allocateDirect(FileSize.PAGE_SIZE);
    long counter;

    Path pagerPath;
    Pager pager;
    PageId allocated;

    Path protectedPath;
    Pager protectedPager;
    ProtectedPageAllocator protectedPages;
    List<ProtectedPageId> ids = List.of();

    LmdbFile records;
    final ByteBuffer key = LmdbFile.newKey();
    final ByteBuffer eightBytes = LmdbFile.newValue(Long.BYTES, (byte) 7);
    LmdbFile pages;
    final ByteBuffer pageValue = ByteBuffer.allocateDirect(FileSize.PAGE_SIZE);
    byte stamp;

    final Samples samples = new Samples();
    boolean measuring;
    int round;

    /** Creates the four files, as the benchmarks of their own create them. */
    @Setup(Level.Trial)
    public void create() throws IOException {
      rawPath = ScratchFiles.newPath("interleaved-raw");
      raw = RawMappedFile.create(rawPath, FileSize.bytes("4MiB"));
      page0 = raw.page(0);
      page1 = raw.page(1);
      dsync = FileChannel.open(rawPath, StandardOpenOption.WRITE, StandardOpenOption.DSYNC);
      pagerPath = ScratchFiles.newPath("interleaved-pager");
      pager = Pager.create(pagerPath, PagerOptions.defaults().withInitialPageCount(FileSize.pages("4MiB")));
      protectedPath = ScratchFiles.newPath("interleaved-protected");
      protectedPager =
          Pager.create(protectedPath, PagerOptions.defaults().withInitialPageCount(FileSize.pages("64MiB")));
      protectedPages = ProtectedPageAllocator.open(protectedPager, 0);
      ids = protectedPages.allocBulk(PAGES);
      records = LmdbFile.create("interleaved-records", FileSize.bytes("64MiB"));
      records.fill(0, 1024, Long.BYTES);
      pages = LmdbFile.create("interleaved-pages", FileSize.bytes("64MiB"));
      pages.fill(0, PAGES, FileSize.PAGE_SIZE);
    }

    /** Keeps the samples of measured iterations only, and brings the raw file back into the cache. */
    @Setup(Level.Iteration)
    public void iteration(IterationParams params) {
      measuring = params.getType() == IterationType.MEASUREMENT;
      counter += raw.touchEveryPage() & 1;
    }

    /** Prints the table, then closes and deletes everything. */
    @TearDown(Level.Trial)
    public void delete() throws Exception {
      System.out.println();
      System.out.print(samples.table());
      closeAndDelete();
    }

    /** Closes and deletes every file, printing nothing. */
    void closeAndDelete() throws Exception {
      ScratchFiles.closeAndDelete(pager, pagerPath);
      ScratchFiles.closeAndDelete(protectedPager, protectedPath);
      dsync.close();
      ScratchFiles.closeAndDelete(raw, rawPath);
      records.closeAndDelete();
      pages.closeAndDelete();
    }

    void restamp() {
      ++stamp;
      for (int i = 0; i < FileSize.PAGE_SIZE; i += Long.BYTES) {
        pageValue.putLong(i, (stamp & 0xFFL) * 0x0101010101010101L);
      }
    }
  }

  /** One round: every operation once, starting at a different unit each round. */
  @Benchmark
  public long round(Files files) throws IOException {
    int first = files.round++ % UNITS.length;
    for (int u = 0; u < UNITS.length; u++) {
      for (String operation : UNITS[(first + u) % UNITS.length]) {
        long start = System.nanoTime();
        run(operation, files);
        long took = System.nanoTime() - start;
        if (files.measuring) {
          files.samples.add(operation, took);
        }
      }
    }
    return files.counter;
  }

  static void run(String operation, Files f) throws IOException {
    switch (operation) {
      case "floor" -> {
        long value = ++f.counter;
        f.page1.set(RawMappedFile.LONG, 0, value);
        f.raw.forceFile();
        f.page0.set(RawMappedFile.LONG, 0, value);
        f.page0.force();
      }
      case "floor dsync" -> {
        long value = ++f.counter;
        f.page1.set(RawMappedFile.LONG, 0, value);
        f.raw.forceFile();
        f.record.putLong(0, value);
        f.raw.writeDurably(f.dsync, f.record, 0);
      }
      case "pager alloc" -> f.allocated = f.pager.alloc();
      case "pager free" -> f.pager.free(f.allocated);
      case "lmdb put" -> {
        f.key.putLong(0, 1024);
        f.records.putCommitted(f.key, f.eightBytes);
      }
      case "lmdb delete" -> {
        f.key.putLong(0, 1024);
        f.records.deleteCommitted(f.key);
      }
      case "protected 4k" -> {
        try (ProtectedPageWriter writer = f.protectedPages.write(f.ids.get(0))) {
          writer.segment().fill(++f.stamp);
          writer.commit();
        }
      }
      case "lmdb 4k" -> {
        f.restamp();
        f.key.putLong(0, 0);
        f.pages.putCommitted(f.key, f.pageValue);
      }
      case "protected 16" -> {
        try (ProtectedTransaction tx = f.protectedPages.begin()) {
          byte stamp = ++f.stamp;
          for (ProtectedPageId id : f.ids) {
            tx.write(id).fill(stamp);
          }
          tx.commit();
        }
      }
      case "lmdb 16" -> {
        f.restamp();
        try (Txn<ByteBuffer> txn = f.pages.env().txnWrite()) {
          for (long id = 0; id < PAGES; id++) {
            f.key.putLong(0, id);
            f.pages.db().put(txn, f.key, f.pageValue);
          }
          txn.commit();
        }
      }
      default -> throw new IllegalArgumentException(operation);
    }
  }

  /** Each operation's latencies in nanoseconds, in the order taken. */
  static final class Samples {
    private final Map<String, long[]> byOperation = new LinkedHashMap<>();
    private final Map<String, Integer> counts = new HashMap<>();

    void add(String operation, long nanos) {
      long[] values = byOperation.computeIfAbsent(operation, o -> new long[1024]);
      int n = counts.getOrDefault(operation, 0);
      if (n == values.length) {
        values = Arrays.copyOf(values, n * 2);
        byOperation.put(operation, values);
      }
      values[n] = nanos;
      counts.put(operation, n + 1);
    }

    private long[] sorted(String operation) {
      long[] values = byOperation.get(operation);
      if (values == null) {
        return new long[0];
      }
      long[] taken = Arrays.copyOf(values, counts.get(operation));
      Arrays.sort(taken);
      return taken;
    }

    private static double micros(long[] sorted, double quantile) {
      if (sorted.length == 0) {
        return Double.NaN;
      }
      int at = (int) Math.min(sorted.length - 1, Math.round(quantile * (sorted.length - 1)));
      return sorted[at] / 1000.0;
    }

    /** Medians, 99th percentiles and ratios, as a Markdown table. */
    String table() {
      StringBuilder out = new StringBuilder();
      double floor = micros(sorted("floor"), 0.5);
      double dsyncFloor = micros(sorted("floor dsync"), 0.5);
      out.append(String.format(Locale.ROOT,
          "interleaved: floor median %.0f us, p99 %.0f us; dsync floor median %.0f us, p99 %.0f us; %d rounds%n",
          floor, micros(sorted("floor"), 0.99), dsyncFloor, micros(sorted("floor dsync"), 0.99),
          sorted("floor").length));
      out.append("| operation | median µs | p99 µs | LMDB median µs | LMDB p99 µs | pager / floor | pager / dsync floor"
          + " | pager / LMDB |\n");
      out.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
      for (String[] row : ROWS) {
        long[] pager = sorted(row[0]);
        long[] peer = sorted(row[1]);
        double median = micros(pager, 0.5);
        double peerMedian = micros(peer, 0.5);
        out.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f | %.2f |%n",
            row[0], median, micros(pager, 0.99), peerMedian, micros(peer, 0.99), median / floor,
            median / dsyncFloor, median / peerMedian));
      }
      return out.toString();
    }
  }
}
