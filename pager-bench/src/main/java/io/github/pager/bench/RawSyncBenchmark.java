package io.github.pager.bench;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The physical limit of a durable commit on this machine: the raw cost of making one 4 KiB page
 * of a mapped file durable, with no pager involved.
 *
 * <p>{@link #syncOnePage} writes 8 bytes into a mapped page and forces that page ({@code
 * msync}): one device cache flush. {@link #syncFileThenPage} repeats the shape of a pager commit
 * without its bookkeeping: a write and {@code FileChannel.force(false)} (the commit's "sync
 * everything"), then a write to page 0 and a force of that page (the metadata record's page). A pager
 * commit cannot be cheaper than the second, and the first is the unit BENCHMARKS.md quotes ratios
 * against.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
public class RawSyncBenchmark {
  private static final String SIZE = "4MiB";

  private Path path;
  private RawMappedFile file;
  private MemorySegment page0;
  private MemorySegment page1;
  private long counter;

  /** The same file opened a second time with {@code DSYNC}, for {@link #syncFileThenDsyncWrite}. */
  private FileChannel dsync;

  /** The page {@link #syncFileThenDsyncWrite} writes through {@code dsync}. */
  private final ByteBuffer record = ByteBuffer.allocateDirect(FileSize.PAGE_SIZE);

  /** Where touching stores its sum, so the JIT cannot drop the reads. */
  private long touched;

  /** Creates and maps the file. */
  @Setup(Level.Trial)
  public void create() throws IOException {
    path = ScratchFiles.newPath("raw-sync");
    file = RawMappedFile.create(path, FileSize.bytes(SIZE));
    page0 = file.page(0);
    page1 = file.page(1);
    dsync = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.DSYNC);
  }

  /** Brings every page back into the cache before an iteration measures it. */
  @Setup(Level.Iteration)
  public void touch() {
    touched = file.touchEveryPage();
  }

  /** Unmaps and deletes the file. */
  @TearDown(Level.Trial)
  public void delete() throws Exception {
    dsync.close();
    ScratchFiles.closeAndDelete(file, path);
  }

  /** Writes 8 bytes into one mapped page and forces that page: one flush. */
  @Benchmark
  public void syncOnePage() {
    page0.set(RawMappedFile.LONG, 0, ++counter);
    page0.force();
  }

  /**
   * The two flushes of a commit as LMDB makes them: write, force the file; then page 0 written
   * through a {@code DSYNC} channel, which returns once it is durable, instead of a store and an
   * {@code msync}.
   */
  @Benchmark
  public void syncFileThenDsyncWrite() throws IOException {
    long value = ++counter;
    page1.set(RawMappedFile.LONG, 0, value);
    file.forceFile();
    record.putLong(0, value);
    file.writeDurably(dsync, record, 0);
  }

  /** The two flushes of a commit: write, force the file; write page 0, force page 0. */
  @Benchmark
  public void syncFileThenPage() throws IOException {
    long value = ++counter;
    page1.set(RawMappedFile.LONG, 0, value);
    file.forceFile();
    page0.set(RawMappedFile.LONG, 0, value);
    page0.force();
  }
}
