package io.github.pager.cli;

import io.github.pager.allocator.PageWriter;
import io.github.pager.allocator.SubPageAllocator;
import io.github.pager.allocator.SubPageId;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.storage.FileStorage;
import io.github.pager.protectedpages.ProtectedPageAllocator;
import io.github.pager.protectedpages.ProtectedPageId;
import io.github.pager.protectedpages.ProtectedTransaction;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pager bench [DIR]}: a short measurement of this machine's disk and of the pager on it,
 * each figure beside the raw cost of syncing one page, measured in the same run. A few seconds;
 * for careful figures use the JMH benchmarks in pager-bench.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measure sync latency, durable commit rates and read speed here, as ratios to one raw page sync.")
final class BenchCommand implements Callable<Integer> {
  /** The measurements, one a step: the raw sync, six durable operations, the random reads. */
  private static final int STEPS = 8;

  @Spec CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "where to put the scratch files (default: a temporary directory)")
  @Nullable Path directory;

  @Option(names = "--rounds", paramLabel = "<count>", description = "timed repetitions of each durable operation (default: ${DEFAULT-VALUE})")
  int rounds = 200;

  @Mixin JsonOption json = new JsonOption();

  /** The bar on stderr; drawn between timed rounds, never inside one. */
  private Progress progress = new Progress(new PrintWriter(Writer.nullWriter()), false, STEPS);

  /**
   * One line of the table.
   *
   * @param operation its name for programs
   * @param label its name for people
   * @param micros the median, in microseconds
   * @param durable whether it syncs, and so is shown as a ratio to one raw page sync
   */
  private record Row(String operation, String label, double micros, boolean durable) {}

  @Override
  public Integer call() throws Exception {
    if (rounds < 10) {
      throw new ParameterException(spec.commandLine(), "--rounds must be at least 10");
    }
    Path dir = directory != null ? Files.createDirectories(directory) : Files.createTempDirectory("pager-bench");
    PrintWriter out = spec.commandLine().getOut();
    if (!json.on()) {
      out.printf("pager bench in %s: %d rounds each, medians%n%n", dir, rounds);
      out.flush();
    }
    progress = new Progress(spec.commandLine().getErr(), Progress.wanted(json.on()), STEPS);
    List<Row> rows = new ArrayList<>();
    progress.step("raw sync of one page");
    rows.add(new Row("rawPageSync", "raw sync of one 4 KiB page", rawPageSync(dir.resolve("raw.bin")), true));
    Path file = dir.resolve("bench.pages");
    try (Pager pager = Pager.create(file, PagerOptions.defaults().withInitialPageCount(16_384))) {
      for (int i = 0; i < 100; i++) {
        pager.free(pager.alloc()); // warm up the JIT and the file's first pages, untimed
      }
      progress.step("durable alloc");
      rows.add(new Row("alloc", "durable alloc (one commit)", timeAllocs(pager, true), true));
      progress.step("durable free");
      rows.add(new Row("free", "durable free (one commit)", timeAllocs(pager, false), true));
      progress.step("durable allocBulk(64)");
      rows.add(new Row("allocBulk64", "durable allocBulk(64)", timeBulk(pager), true));
      progress.step("sub-page alloc and write");
      SubPageAllocator sub = SubPageAllocator.open(pager, 0, 256);
      rows.add(new Row("subPageWrite", "sub-page alloc, then write + sync", timeSubPages(sub), true));
      progress.step("protected page write");
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, 10);
      List<ProtectedPageId> ids = pages.allocBulk(16);
      rows.add(new Row("protectedWrite", "protected 4 KiB write + commit", timeProtected(pages, ids.subList(0, 1)), true));
      progress.step("protected 16-page transaction");
      rows.add(new Row("protectedTransaction16", "protected 16-page transaction", timeProtected(pages, ids), true));
      progress.step("random reads");
      double[] reads = randomReads(pager);
      rows.add(new Row("randomRead", "random 8-byte page read", reads[0] / 1e3, false));
      rows.add(new Row("rawSegmentRead", "  same read on a raw segment", reads[1] / 1e3, false));
    } finally {
      progress.finish();
      if (Files.exists(file)) {
        Path lockFile = FileStorage.lockFileOf(file);
        Files.delete(file);
        Files.deleteIfExists(lockFile);
      }
      Files.deleteIfExists(dir.resolve("raw.bin"));
    }
    double sync = rows.getFirst().micros();
    if (json.on()) {
      out.println(JsonEnvelope.result("bench", ExitCode.OK, toJson(dir, rows, sync)));
      return ExitCode.OK;
    }
    out.printf("%-34s %12s %14s %10s%n", "operation", "median", "per second", "x sync");
    for (Row row : rows) {
      if (row.durable()) {
        out.printf("%-34s %9.1f us %14s %9.2fx%n", row.label(), row.micros(), perSecond(row.micros()), row.micros() / sync);
      } else {
        out.printf("%-34s %9.1f ns %14s %10s%n", row.label(), row.micros() * 1e3, perSecond(row.micros()), "-");
      }
    }
    out.println();
    out.println("A durable commit syncs twice (new state, then its metadata record), so about 2x one page sync is its floor.");
    return ExitCode.OK;
  }

  private Map<String, Object> toJson(Path dir, List<Row> rows, double sync) {
    List<Object> operations = new ArrayList<>();
    for (Row row : rows) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("operation", row.operation());
      one.put("label", row.label().strip());
      one.put("medianNanos", Math.round(row.micros() * 1e4) / 10.0);
      one.put("perSecond", Math.round(1e6 / row.micros()));
      one.put("timesSync", row.durable() ? Optional.of(FileStats.rounded(row.micros() / sync)) : Optional.empty());
      operations.add(one);
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("directory", dir.toString());
    result.put("rounds", rounds);
    result.put("operations", operations);
    return result;
  }

  /** Median microseconds to store 8 bytes into a mapped page and force that page. */
  private double rawPageSync(Path path) throws IOException {
    double[] times = new double[rounds];
    try (FileChannel channel =
            FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Arena arena = Arena.ofConfined()) {
      // Blocks allocated up front, as the pager reserves its own, and in 4 KiB pieces: forcing a
      // page whose blocks the file system must first allocate would cost more than a sync.
      java.nio.ByteBuffer zeros = java.nio.ByteBuffer.allocate(4096);
      for (long at = 0; at < 1 << 20; at += 4096) {
        zeros.clear();
        while (zeros.hasRemaining()) {
          channel.write(zeros, at + zeros.position());
        }
      }
      channel.force(true);
      MemorySegment file = channel.map(FileChannel.MapMode.READ_WRITE, 0, 1 << 20, arena);
      for (int i = 0; i < 20; i++) {
        file.asSlice((long) i * 4096, 4096).force(); // warm up: touch, then sync
      }
      for (int i = 0; i < rounds; i++) {
        MemorySegment page = file.asSlice((long) (i % 256) * 4096, 4096);
        long start = System.nanoTime();
        page.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i);
        page.force();
        times[i] = (System.nanoTime() - start) / 1e3;
        progress.within((i + 1.0) / rounds);
      }
    }
    return median(times);
  }

  private double timeAllocs(Pager pager, boolean alloc) throws IOException {
    double[] times = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      long start;
      if (alloc) {
        start = System.nanoTime();
        PageId id = pager.alloc();
        times[i] = (System.nanoTime() - start) / 1e3;
        pager.free(id);
        progress.within((i + 1.0) / rounds);
      } else {
        PageId id = pager.alloc();
        start = System.nanoTime();
        pager.free(id);
        times[i] = (System.nanoTime() - start) / 1e3;
        progress.within((i + 1.0) / rounds);
      }
    }
    return median(times);
  }

  private double timeBulk(Pager pager) throws IOException {
    double[] times = new double[rounds / 4];
    for (int i = 0; i < times.length; i++) {
      long start = System.nanoTime();
      var ids = pager.allocBulk(64);
      times[i] = (System.nanoTime() - start) / 1e3;
      pager.freeBulk(ids);
      progress.within((i + 1.0) / times.length);
    }
    return median(times);
  }

  private double timeSubPages(SubPageAllocator sub) throws IOException {
    double[] times = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      long start = System.nanoTime();
      SubPageId id = sub.alloc();
      try (PageWriter writer = id.write(sub)) {
        writer.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i);
        writer.commit();
      }
      times[i] = (System.nanoTime() - start) / 1e3;
      sub.free(id);
      progress.within((i + 1.0) / rounds);
    }
    return median(times);
  }

  /** Median microseconds to rewrite every page of {@code ids} whole and commit them together. */
  private double timeProtected(ProtectedPageAllocator pages, List<ProtectedPageId> ids) throws IOException {
    double[] times = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      long start = System.nanoTime();
      try (ProtectedTransaction tx = pages.begin()) {
        for (ProtectedPageId id : ids) {
          tx.write(id).fill((byte) i);
        }
        tx.commit();
      }
      times[i] = (System.nanoTime() - start) / 1e3;
      progress.within((i + 1.0) / rounds);
    }
    return median(times);
  }

  /** Nanoseconds per random 8-byte read through pager views, and on one raw segment. */
  private double[] randomReads(Pager pager) throws IOException {
    var ids = pager.allocBulk(8_192);
    MemorySegment[] views = new MemorySegment[ids.size()];
    for (int i = 0; i < views.length; i++) {
      views[i] = pager.page(ids.get(i)).segment();
      views[i].set(ValueLayout.JAVA_LONG_UNALIGNED, 8, i);
    }
    SplittableRandom random = new SplittableRandom(42);
    int reads = 5_000_000;
    long sum = 0;
    long start = System.nanoTime();
    for (int i = 0; i < reads; i++) {
      sum += pager.page(ids.get(random.nextInt(views.length))).getLong(8L * (1 + random.nextInt(8)));
    }
    double pagerNs = (System.nanoTime() - start) / (double) reads;
    progress.within(0.5);
    MemorySegment whole = views[0];
    start = System.nanoTime();
    for (int i = 0; i < reads; i++) {
      sum += views[random.nextInt(views.length)].get(ValueLayout.JAVA_LONG_UNALIGNED, 8L * (1 + random.nextInt(8)));
    }
    double rawNs = (System.nanoTime() - start) / (double) reads;
    progress.within(1);
    pager.freeBulk(ids);
    if (sum == 42 && whole.byteSize() == 0) {
      throw new IllegalStateException("unreachable: keeps the reads from being optimised away");
    }
    return new double[] {pagerNs, rawNs};
  }

  private static String perSecond(double micros) {
    return String.format("%,.0f", 1e6 / micros);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
