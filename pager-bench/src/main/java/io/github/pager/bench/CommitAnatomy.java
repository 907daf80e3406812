package io.github.pager.bench;

import com.sun.management.ThreadMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What one durable commit costs besides its time, for each of {@link InterleavedCommitBenchmark}'s
 * operations: device write requests, KiB written and cache flushes (from {@code /proc/diskstats}),
 * minor page faults (from {@code /proc/self/stat}), heap bytes allocated and CPU time of the
 * committing thread. Unlike a latency, these counts hardly move with the disk's mood, so they
 * show where the pager does more work than the floor and LMDB for the same change.
 *
 * <p>Run with {@code java --add-opens java.base/java.nio=ALL-UNNAMED --add-opens
 * java.base/sun.nio.ch=ALL-UNNAMED -cp pager-bench/target/benchmarks.jar
 * io.github.pager.bench.CommitAnatomy [COMMITS]} on a quiet machine (every other write to the
 * same device is counted too). Each operation runs {@code COMMITS} times to warm up, then {@code
 * COMMITS} times measured; a pair such as alloc then free counts as two commits. Linux only. For
 * where the time goes inside the kernel, run it under {@code perf record -e 'syscalls:sys_*_fdatasync'
 * -e 'syscalls:sys_*_msync' -e 'syscalls:sys_*_pwrite64' -e exceptions:page_fault_user} (BENCHMARKS.md,
 * "Where a single commit's time goes").
 */
public final class CommitAnatomy {
  private CommitAnatomy() {}

  /** One row: the operations run in turn, and how many commits one turn makes. */
  private record Row(String name, List<String> operations, int commits) {}

  private static final List<Row> ROWS = List.of(
      new Row("floor (write, fdatasync, store, msync)", List.of("floor"), 1),
      new Row("floor dsync (write, fdatasync, O_DSYNC write)", List.of("floor dsync"), 1),
      new Row("pager alloc + free", List.of("pager alloc", "pager free"), 2),
      new Row("lmdb put + delete", List.of("lmdb put", "lmdb delete"), 2),
      new Row("protected 4 KiB", List.of("protected 4k"), 1),
      new Row("lmdb 4 KiB put", List.of("lmdb 4k"), 1),
      new Row("protected 16 pages", List.of("protected 16"), 1),
      new Row("lmdb 16 puts", List.of("lmdb 16"), 1));

  /**
   * Runs every row and prints a Markdown table, per commit.
   *
   * @param args the number of turns measured per row (default 1000)
   * @throws Exception when the device cannot be found or an operation fails
   */
  public static void main(String[] args) throws Exception {
    int turns = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    InterleavedCommitBenchmark.Files files = new InterleavedCommitBenchmark.Files();
    files.create();
    try {
      DeviceWrites.Counters device = DeviceWrites.Counters.of(files.pagerPath);
      ThreadMXBean thread = (ThreadMXBean) ManagementFactory.getThreadMXBean();
      System.out.println("| operation | device writes | KiB written | flushes | minor faults | heap bytes | CPU µs (user + sys) |");
      System.out.println("|---|---:|---:|---:|---:|---:|---:|");
      for (Row row : ROWS) {
        run(row, files, turns);
        DeviceWrites.Counters before = device.read();
        long faults = minorFaults();
        long allocated = thread.getCurrentThreadAllocatedBytes();
        long cpu = thread.getCurrentThreadCpuTime();
        run(row, files, turns);
        double commits = (double) turns * row.commits();
        cpu = thread.getCurrentThreadCpuTime() - cpu;
        allocated = thread.getCurrentThreadAllocatedBytes() - allocated;
        faults = minorFaults() - faults;
        DeviceWrites.Counters after = device.read();
        System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.0f | %.1f |%n", row.name(),
            (after.writes() - before.writes()) / commits, (after.sectors() - before.sectors()) / 2.0 / commits,
            (after.flushes() - before.flushes()) / commits, faults / commits, allocated / commits,
            cpu / 1000.0 / commits);
      }
    } finally {
      files.closeAndDelete();
    }
  }

  private static void run(Row row, InterleavedCommitBenchmark.Files files, int turns) throws IOException {
    for (int i = 0; i < turns; i++) {
      for (String operation : row.operations()) {
        InterleavedCommitBenchmark.run(operation, files);
      }
    }
  }

  /** The process's minor faults so far: field 10 of {@code /proc/self/stat}. */
  private static long minorFaults() throws IOException {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[7]);
  }
}
