package io.github.pager.bench;

import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.storage.FileStorage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.lmdbjava.Env;
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
 * The time to open and close an existing page file, beside the raw floor of the same system calls.
 *
 * <p>A read-write pager reads the magic, takes the writer lock on the file's lock file, maps the
 * file, checks the superblock, the active metadata and the free-space tree root, and on close
 * syncs (one device flush, even with nothing dirty), unmaps and closes the lock file. A read-only
 * pager does the same without lock or sync. The raw twins open a channel, (open and lock the lock
 * file,) map the whole file, read the first word, (force,) unmap and close: {@link
 * #rawReadWrite} is the floor of {@link #pagerReadWrite}, {@link #rawReadOnly} of {@link
 * #pagerReadOnly}.
 *
 * <p>The peer, in the same run: {@link #lmdbReadWrite} and {@link #lmdbReadOnly} open an LMDB
 * environment holding one record (default flags; {@code MDB_RDONLY} for the second), open its
 * database as a user must before reading, and close it. LMDB's close does not sync.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(jvmArgsAppend = {LmdbFile.OPEN_JAVA_NIO, LmdbFile.OPEN_SUN_NIO_CH, LmdbFile.NATIVE_ACCESS})
public class OpenBenchmark {
  /** The map size the LMDB environment is created and opened with. */
  private static final long LMDB_MAP_SIZE = FileSize.bytes("64MiB");

  /** A closed page file, for the pager and raw benchmarks. */
  @State(Scope.Thread)
  public static class PagerFile {
    /**
     * {@code small}: a new file of the default 16 pages; {@code 1GiB} and {@code 1TiB}: sparse
     * files of that size (issue 12 names the 1 TiB open), one page allocated.
     */
    @Param({"small", "1GiB", "1TiB"})
    public String file;

    Path path;

    /** Creates the file, allocates one page, and closes it. */
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
  }

  /** A closed LMDB environment holding one 8-byte record: the peer of the small file. */
  @State(Scope.Thread)
  public static class LmdbDir {
    Path dir;

    /** Creates the environment, puts one record, and closes it. */
    @Setup(Level.Trial)
    public void create() throws IOException {
      try (LmdbFile lmdb = LmdbFile.create("open-lmdb", LMDB_MAP_SIZE)) {
        lmdb.fill(0, 1, Long.BYTES);
        dir = lmdb.dir();
      }
    }

    /** Deletes the environment's files. */
    @TearDown(Level.Trial)
    public void delete() throws IOException {
      LmdbFile.deleteDirectory(dir);
    }
  }

  /** Opens the pager read-write and closes it. */
  @Benchmark
  public long pagerReadWrite(PagerFile state) throws IOException {
    try (Pager pager = Pager.open(state.path)) {
      return pager.generation();
    }
  }

  /** Opens the pager read-only and closes it. */
  @Benchmark
  public long pagerReadOnly(PagerFile state) throws IOException {
    try (Pager pager = Pager.open(state.path, PagerOptions.defaults().withReadOnly(true))) {
      return pager.generation();
    }
  }

  /**
   * Open, open the lock file and lock it, map all, read a word, force, unmap, close: the floor of
   * a read-write open. No pager has the file open meanwhile, so closing the lock file here takes
   * no pager's lock away.
   */
  @Benchmark
  public long rawReadWrite(PagerFile state) throws IOException {
    Path path = state.path;
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
  public long rawReadOnly(PagerFile state) throws IOException {
    try (FileChannel channel = FileChannel.open(state.path, StandardOpenOption.READ);
        Arena arena = Arena.ofShared()) {
      MemorySegment all = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
      return all.get(RawMappedFile.LONG, 0);
    }
  }

  /**
   * Opens the LMDB environment read-write and its database, and closes it. Opening the database
   * takes and commits a write transaction that changes nothing, which LMDB does not sync.
   */
  @Benchmark
  public long lmdbReadWrite(LmdbDir state) {
    try (Env<ByteBuffer> env = LmdbFile.open(state.dir, LMDB_MAP_SIZE, false)) {
      env.openDbi((String) null);
      return env.info().lastTransactionId;
    }
  }

  /** Opens the LMDB environment read-only ({@code MDB_RDONLY}) and its database, and closes it. */
  @Benchmark
  public long lmdbReadOnly(LmdbDir state) {
    try (Env<ByteBuffer> env = LmdbFile.open(state.dir, LMDB_MAP_SIZE, true)) {
      env.openDbi((String) null);
      return env.info().lastTransactionId;
    }
  }
}
