package io.github.pager.bench;

import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerCounters;
import io.github.pager.core.PagerOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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
 * The latency of one durable commit: {@link Pager#alloc()} and {@link Pager#free} with the
 * default {@code Durability.SYNC}, each one commit, on files of several sizes.
 *
 * <p>Each measured call is paired with its inverse outside the measurement (a free after each
 * measured alloc, an alloc before each measured free), so the file never grows and every
 * invocation sees the same state: two user pages and a handful of tree pages taking turns.
 *
 * <p>The {@code file} parameter:
 *
 * <ul>
 *   <li>{@code 4MiB}: a small file with its blocks reserved, as created.
 *   <li>{@code 4MiB-reopened}: the same file closed and opened again before measuring.
 *   <li>{@code 1GiB}, {@code 1TiB}: sparse files ({@code withSparse(true)}) of that size, as
 *       created; the free-space tree is two and three levels tall.
 * </ul>
 *
 * <p>At the end of each trial the pager's counters ({@link Pager#counters()}) are printed: pages
 * written and syncs per commit, over the measured commits and their inverses alike.
 *
 * <p>The peer, in the same run: {@link #lmdbPut} and {@link #lmdbDelete}, one put or one delete of
 * an 8-byte record keyed by an 8-byte id in a durable write transaction of its own, on an LMDB
 * environment holding 1024 such records (as the 4 MiB file tracks 1024 pages); the inverse runs
 * outside the measurement, as for the pager. The floor is {@link
 * RawSyncBenchmark#syncFileThenPage}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(jvmArgsAppend = {LmdbFile.OPEN_JAVA_NIO, LmdbFile.OPEN_SUN_NIO_CH, LmdbFile.NATIVE_ACCESS})
public class DurableCommitBenchmark {
  /** Records in the LMDB peer's environment, ids 0 to 1023; the measured record is id 1024. */
  private static final int LMDB_RECORDS = 1024;

  /** A pager on a file of the size the {@code file} parameter names; base of both states. */
  @State(Scope.Thread)
  public abstract static class PagerFile {
    /** The file, see the class comment. */
    @Param({"4MiB", "4MiB-reopened", "1GiB", "1TiB"})
    public String file;

    Path path;
    Pager pager;
    PagerCounters atStart;

    /** Creates (and, for "-reopened", reopens) the pager. */
    @Setup(Level.Trial)
    public void create() throws IOException {
      boolean reopen = file.endsWith("-reopened");
      String size = reopen ? file.substring(0, file.length() - "-reopened".length()) : file;
      long pages = FileSize.pages(size);
      boolean sparse = pages > FileSize.pages("4MiB");
      path = ScratchFiles.newPath("commit-" + size);
      pager =
          Pager.create(path, PagerOptions.defaults().withSparse(sparse).withInitialPageCount(pages));
      if (reopen) {
        pager.close();
        pager = Pager.open(path);
      }
      atStart = pager.counters();
    }

    /** Closes the pager and deletes its file. */
    @TearDown(Level.Trial)
    public void delete() throws Exception {
      System.out.println(perCommit(pager.counters().minus(atStart)));
      ScratchFiles.closeAndDelete(pager, path);
    }
  }

  /** For {@link #alloc}: frees the page each measured alloc took. */
  public static class AllocState extends PagerFile {
    PageId allocated;

    /** Frees, in a commit of its own, the page the measured alloc took. */
    @TearDown(Level.Invocation)
    public void freeIt() throws IOException {
      pager.free(allocated);
    }
  }

  /** For {@link #free}: allocates, before each measured free, the page it frees. */
  public static class FreeState extends PagerFile {
    PageId toFree;

    /** Allocates, in a commit of its own, the page the measured free gives back. */
    @Setup(Level.Invocation)
    public void allocIt() throws IOException {
      toFree = pager.alloc();
    }
  }

  /** One durable alloc: one commit. */
  @Benchmark
  public PageId alloc(AllocState state) throws IOException {
    state.allocated = state.pager.alloc();
    return state.allocated;
  }

  /** One durable free: one commit. */
  @Benchmark
  public void free(FreeState state) throws IOException {
    state.pager.free(state.toFree);
  }

  /** One line: what the trial's commits wrote and synced, per commit. */
  static String perCommit(PagerCounters counts) {
    long commits = Math.max(1, counts.commits());
    return String.format(
        "counters: %d commits, %.2f pages written per commit (%.2f tree nodes, %.2f pending chain pages, then the record),"
            + " %.2f syncs per commit, %d growths",
        counts.commits(), (double) counts.pagesWritten() / commits, (double) counts.nodePagesWritten() / commits,
        (double) counts.chainPagesWritten() / commits, (double) counts.syncs() / commits, counts.grows());
  }

  /** An LMDB environment holding {@link #LMDB_RECORDS} 8-byte records: the peer's file. */
  @State(Scope.Thread)
  public abstract static class LmdbRecords {
    LmdbFile lmdb;
    final ByteBuffer key = LmdbFile.newKey();
    final ByteBuffer value = LmdbFile.newValue(Long.BYTES, (byte) 7);

    /** Creates the environment and its records. */
    @Setup(Level.Trial)
    public void create() throws IOException {
      lmdb = LmdbFile.create("commit-lmdb", FileSize.bytes("64MiB"));
      lmdb.fill(0, LMDB_RECORDS, Long.BYTES);
      key.putLong(0, LMDB_RECORDS);
    }

    /** Closes the environment and deletes its files. */
    @TearDown(Level.Trial)
    public void delete() throws IOException {
      lmdb.closeAndDelete();
    }
  }

  /** For {@link #lmdbPut}: deletes the record each measured put added. */
  public static class LmdbPutState extends LmdbRecords {
    /** Deletes, in a transaction of its own, the record the measured put added. */
    @TearDown(Level.Invocation)
    public void deleteIt() {
      lmdb.deleteCommitted(key);
    }
  }

  /** For {@link #lmdbDelete}: puts, before each measured delete, the record it deletes. */
  public static class LmdbDeleteState extends LmdbRecords {
    /** Puts, in a transaction of its own, the record the measured delete removes. */
    @Setup(Level.Invocation)
    public void putIt() {
      lmdb.putCommitted(key, value);
    }
  }

  /** LMDB's alloc: one put in a durable write transaction. */
  @Benchmark
  public void lmdbPut(LmdbPutState state) {
    state.lmdb.putCommitted(state.key, state.value);
  }

  /** LMDB's free: one delete in a durable write transaction. */
  @Benchmark
  public void lmdbDelete(LmdbDeleteState state) {
    state.lmdb.deleteCommitted(state.key);
  }
}
