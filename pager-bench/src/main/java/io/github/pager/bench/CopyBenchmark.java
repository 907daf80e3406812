package io.github.pager.bench;

import io.github.pager.core.CopyOptions;
import io.github.pager.core.CopyReport;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
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
 * Online backup: the time {@link Pager#copyTo} takes to copy a file, beside a raw copy of the same
 * file in the same run. Throughput is the file size divided by the time.
 *
 * <p>The source is a page file of {@link #size} whose pages are all in use, filled with bytes
 * that are not zero, and in the page cache (every page was just written). {@link #pagerCopy}
 * takes a snapshot, walks the free-space tree, copies every page through a 1 MiB buffer into a
 * new file beside the source, syncs it, links it under its name and syncs the directory. Its
 * floors: {@link #rawCopy} reads and writes the same bytes through the same 1 MiB buffer and syncs
 * the new file once (the system calls the pager's copy makes, without the tree walk, the mapping
 * and the directory sync), and {@link #rawTransfer} lets the kernel copy the file ({@code
 * FileChannel.transferTo}, {@code copy_file_range(2)} on Linux) and syncs it. Each copy goes to a
 * new file, deleted after the invocation, outside the measured time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Thread)
public class CopyBenchmark {
  /** The source file's size. */
  @Param({"64MiB"})
  public String size;

  private Path source;
  private Pager pager;
  private Path target;

  /** Creates the source file, every page in use and written. */
  @Setup(Level.Trial)
  public void create() throws IOException {
    source = ScratchFiles.newPath("copy-source");
    long pages = FileSize.pages(size);
    pager = Pager.create(source, PagerOptions.defaults().withInitialPageCount(pages));
    byte[] bytes = new byte[FileSize.PAGE_SIZE];
    Arrays.fill(bytes, (byte) 0x5A);
    // Leave room for the free-space tree's own nodes: allocate all but a few pages.
    for (PageId id : pager.allocBulk((int) (pages - pages / 1000 - 8))) {
      pager.page(id).write(0, bytes, 0, bytes.length);
    }
    pager.sync();
  }

  /** Picks the next copy's name. */
  @Setup(Level.Invocation)
  public void nextTarget() throws IOException {
    target = ScratchFiles.newPath("copy-target");
  }

  /** Deletes the copy. */
  @TearDown(Level.Invocation)
  public void deleteTarget() throws IOException {
    ScratchFiles.delete(target);
  }

  /** Closes the pager and deletes the source. */
  @TearDown(Level.Trial)
  public void delete() throws Exception {
    ScratchFiles.closeAndDelete(pager, source);
  }

  /** The pager's online backup of its last commit. */
  @Benchmark
  public long pagerCopy() throws IOException {
    CopyReport report = pager.copyTo(target, CopyOptions.defaults());
    return report.bytesWritten();
  }

  /** The floor with the same system calls: read and write through a 1 MiB buffer, then sync. */
  @Benchmark
  public long rawCopy() throws IOException {
    ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
    long copied = 0;
    try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
        FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      while (in.read(buffer, copied) > 0) {
        buffer.flip();
        while (buffer.hasRemaining()) {
          copied += out.write(buffer, copied);
        }
        buffer.clear();
      }
      out.force(true);
    }
    return copied;
  }

  /** The kernel's own copy ({@code copy_file_range(2)}), then sync. */
  @Benchmark
  public long rawTransfer() throws IOException {
    long copied = 0;
    try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
        FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      long length = in.size();
      while (copied < length) {
        copied += in.transferTo(copied, length - copied, out);
      }
      out.force(true);
    }
    return copied;
  }
}
