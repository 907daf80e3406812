package io.github.pager.bench;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
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
 * The device floor of a commit that writes {@code pages} whole 4 KiB pages, two ways, with no pager
 * involved: stores into a shared mapping ({@link #mapped}, as the pager and its protected pages
 * write), or {@code pwrite} calls from a buffer ({@link #written}, as LMDB writes without {@code
 * MDB_WRITEMAP}); then one {@code fdatasync} either way.
 *
 * <p>Why: a durable 16-page protected transaction costs several times LMDB's 16 puts in one
 * transaction, although both write about as many pages. On a file system such as ext4, the first
 * store into a mapped page after writeback is a write fault ({@code page_mkwrite}, which reserves
 * the block and dirties the page under the journal), while a {@code pwrite} of a cached page
 * copies into it. This class measures what that difference costs, so that BENCHMARKS.md can say
 * how much of the gap is the write path and how much the pager.
 *
 * <p>The pages written are every other page of the file, a different set each call (the file is
 * large enough that a page is written once per 64 calls), so that each is clean and
 * write-protected again when written, as the fresh pages of a copy-on-write commit are.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
public class RawPageWriteBenchmark {
  /** Pages written per call, then one flush. */
  @Param({"1", "16"})
  public int pages;

  private Path path;
  private RawMappedFile file;
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(FileSize.PAGE_SIZE);
  private long filePages;
  private long next;
  private byte stamp;

  /** Where touching stores its sum, so the JIT cannot drop the reads. */
  private long touched;

  /** Creates and maps the file: room for 64 calls of {@code pages} pages, every other page. */
  @Setup(Level.Trial)
  public void create() throws IOException {
    filePages = 2L * 64 * pages;
    path = ScratchFiles.newPath("raw-write");
    file = RawMappedFile.create(path, filePages * FileSize.PAGE_SIZE);
  }

  /** Brings every page back into the cache before an iteration measures it. */
  @Setup(Level.Iteration)
  public void touch() {
    touched = file.touchEveryPage();
  }

  /** Unmaps and deletes the file. */
  @TearDown(Level.Trial)
  public void delete() throws Exception {
    ScratchFiles.closeAndDelete(file, path);
  }

  private long nextPage() {
    long page = next;
    next = (next + 2) % filePages;
    return page;
  }

  /** {@code pages} pages filled through the mapping, then {@code fdatasync}. */
  @Benchmark
  public void mapped() throws IOException {
    byte value = ++stamp;
    for (int i = 0; i < pages; i++) {
      MemorySegment page = file.page(nextPage());
      page.fill(value);
    }
    file.forceFile();
  }

  /** {@code pages} pages written with {@code pwrite} from a buffer, then {@code fdatasync}. */
  @Benchmark
  public void written() throws IOException {
    byte value = ++stamp;
    for (int i = 0; i < FileSize.PAGE_SIZE; i += Long.BYTES) {
      buffer.putLong(i, value);
    }
    for (int i = 0; i < pages; i++) {
      file.write(buffer, nextPage() * FileSize.PAGE_SIZE);
    }
    file.forceFile();
  }
}
