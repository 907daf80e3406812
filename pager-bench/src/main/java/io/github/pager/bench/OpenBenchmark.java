package io.github.pager.bench;

import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.storage.FileStorage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * The time to open and close an existing page file, beside the raw floor of the same system calls.
 *
 * <p>A read-write pager reads the magic, takes the writer lock on the file's lock file, maps the
 * file, checks the superblock, the active metadata and the free-space tree root, and on close
 * syncs (one device flush, even with nothing dirty), unmaps and closes the lock file. A read-only
 * pager does the same without lock or sync. The raw twins open a channel, (open and lock the lock
 * file,) map the whole file, read the first word, (force,) unmap and close: {@link
 * #rawReadWrite} is the floor of {@link #pagerReadWrite}, {@link #rawReadOnly} of {@link
 * #pagerReadOnly}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
public class OpenBenchmark {
  /** {@code small}: a new file of the default 16 pages; {@code 1GiB}: a sparse 1 GiB file. */
  @Param({"small", "1GiB"})
  public String file;

  private Path path;

  /** Creates the file and closes it. */
  @Setup(Level.Trial)
  public void create() throws IOException {
    path = ScratchFiles.newPath("open-" + file);
    PagerOptions options =
        file.equals("small")
            ? PagerOptions.defaults()
            : PagerOptions.defaults().withSparse(true).withInitialPageCount(FileSize.pages(file));
    try (Pager pager = Pager.create(path, options)) {
      pager.alloc();
    }
  }

  /** Deletes the file. */
  @TearDown(Level.Trial)
  public void delete() throws IOException {
    ScratchFiles.delete(path);
  }

  /** Opens the pager read-write and closes it. */
  @Benchmark
  public long pagerReadWrite() throws IOException {
    try (Pager pager = Pager.open(path)) {
      return pager.generation();
    }
  }

  /** Opens the pager read-only and closes it. */
  @Benchmark
  public long pagerReadOnly() throws IOException {
    try (Pager pager = Pager.open(path, PagerOptions.defaults().withReadOnly(true))) {
      return pager.generation();
    }
  }

  /**
   * Open, open the lock file and lock it, map all, read a word, force, unmap, close: the floor of
   * a read-write open. No pager has the file open meanwhile, so closing the lock file here takes
   * no pager's lock away.
   */
  @Benchmark
  public long rawReadWrite() throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileChannel lockFile =
            FileChannel.open(
                FileStorage.lockFileOf(path), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock = lockFile.lock(0, 1, false);
        Arena arena = Arena.ofShared()) {
      MemorySegment all = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size(), arena);
      long word = all.get(RawMappedFile.LONG, 0);
      channel.force(false);
      return word + lock.position();
    }
  }

  /** Open, map all, read a word, unmap, close: the floor of a read-only open. */
  @Benchmark
  public long rawReadOnly() throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        Arena arena = Arena.ofShared()) {
      MemorySegment all = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
      return all.get(RawMappedFile.LONG, 0);
    }
  }
}
