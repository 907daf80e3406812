package io.github.pager.bench;

import io.github.pager.core.Durability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What a durable commit writes to the device: write requests, bytes and cache flushes per commit,
 * counted from {@code /proc/diskstats} around a loop of {@link SnapshotBenchmark#commit} (a page
 * allocated and the previous commit's freed) with 0, 1 and 64 snapshots open. Unlike a latency,
 * these counts do not drift with the disk's mood, so they tell what a change to the commit costs
 * on any machine; the latency follows from them and the device.
 *
 * <p>Run with {@code java -cp pager-bench/target/benchmarks.jar
 * io.github.pager.bench.DeviceWrites [COMMITS]} on a quiet machine: every other write to the same
 * device is counted too. The files go where the benchmarks' go ({@code -Dpager.bench.dir}); Linux
 * only, and only on a file system backed by a block device that {@code /proc/diskstats} lists.
 */
public final class DeviceWrites {
  private DeviceWrites() {}

  /**
   * Runs the loop for each snapshot count and prints one line each.
   *
   * @param args the number of commits measured per count (default 1000), after as many again to
   *     warm up
   * @throws Exception when the device cannot be found or a commit fails
   */
  public static void main(String[] args) throws Exception {
    int commits = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    System.out.printf(Locale.ROOT, "%-10s %14s %14s %14s%n", "snapshots", "writes/commit", "KiB/commit", "flushes/commit");
    for (int snapshots : List.of(0, 1, 64)) {
      SnapshotBenchmark benchmark = new SnapshotBenchmark();
      SnapshotBenchmark.Writer writer = new SnapshotBenchmark.Writer();
      writer.snapshots = snapshots;
      writer.durability = Durability.SYNC;
      writer.create();
      try {
        Counters device = Counters.of(writer.path);
        run(benchmark, writer, commits);
        Counters before = device.read();
        run(benchmark, writer, commits);
        Counters after = device.read();
        System.out.printf(Locale.ROOT, "%-10d %14.2f %14.2f %14.2f%n", snapshots,
            (double) (after.writes - before.writes) / commits,
            (after.sectors - before.sectors) * 512.0 / 1024 / commits,
            (double) (after.flushes - before.flushes) / commits);
      } finally {
        writer.delete();
      }
    }
  }

  private static void run(SnapshotBenchmark benchmark, SnapshotBenchmark.Writer writer, int commits) throws IOException {
    for (int i = 0; i < commits; i++) {
      writer.rotate();
      benchmark.commit(writer);
    }
  }

  /**
   * One device's counters in {@code /proc/diskstats}: writes completed, sectors written (512
   * bytes each, whatever the device's own sector size) and flush requests completed.
   */
  record Counters(String device, long writes, long sectors, long flushes) {
    /** The counters of the block device that holds {@code file}. */
    static Counters of(Path file) throws IOException {
      long dev = ((Number) Files.getAttribute(file, "unix:dev")).longValue();
      long major = (dev >>> 8) & 0xfff;
      long minor = (dev & 0xff) | ((dev >>> 12) & 0xfff00);
      for (String line : Files.readAllLines(Path.of("/proc/diskstats"))) {
        String[] fields = line.trim().split("\\s+");
        if (Long.parseLong(fields[0]) == major && Long.parseLong(fields[1]) == minor) {
          return new Counters(fields[2], 0, 0, 0).read();
        }
      }
      throw new IOException(file + " is on device " + major + ":" + minor + ", which /proc/diskstats does not list");
    }

    /** The same device's counters now. */
    Counters read() throws IOException {
      for (String line : Files.readAllLines(Path.of("/proc/diskstats"))) {
        String[] fields = line.trim().split("\\s+");
        if (fields[2].equals(device)) {
          // After major, minor and name: writes completed is the 5th counter, sectors written the
          // 7th, flush requests completed the 16th (kernel 5.5 and later; -1 before).
          long flushes = fields.length > 18 ? Long.parseLong(fields[18]) : -1;
          return new Counters(device, Long.parseLong(fields[7]), Long.parseLong(fields[9]), flushes);
        }
      }
      throw new IOException("device " + device + " left /proc/diskstats");
    }
  }
}
