package io.github.pager.bench;

import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.lmdbjava.Txn;
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
 * The throughput of {@link Pager#allocBulk} and {@link Pager#freeBulk}: {@code count} pages in one
 * durable commit. Measured as the time of one call, so that a median survives this machine's
 * multi-millisecond disk stalls (a throughput mean does not); pages per second are {@code count}
 * divided by that time.
 *
 * <p>Each measured call is paired with its inverse outside the measurement (a {@code freeBulk} of
 * the same pages after each measured {@code allocBulk}, an {@code allocBulk} before each measured
 * {@code freeBulk}), so the file (64 MiB, blocks reserved) never grows: growth would be measured
 * instead.
 *
 * <p>The peer, in the same run: {@link #lmdbPutBulk} and {@link #lmdbDeleteBulk}, {@code count}
 * puts or deletes of 8-byte records keyed by consecutive 8-byte ids in one durable write
 * transaction, on an environment that holds nothing else; the inverse again outside the
 * measurement.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(jvmArgsAppend = {LmdbFile.OPEN_JAVA_NIO, LmdbFile.OPEN_SUN_NIO_CH, LmdbFile.NATIVE_ACCESS})
public class AllocBulkBenchmark {

  /** A pager on an empty 64 MiB file; base of both pager states. */
  @State(Scope.Thread)
  public abstract static class PagerFile {
    /** Pages per call. */
    @Param({"1", "64", "1024", "10000"})
    public int count;

    Path path;
    Pager pager;
    List<PageId> pages = List.of();

    /** Creates the pager. */
    @Setup(Level.Trial)
    public void create() throws IOException {
      path = ScratchFiles.newPath("alloc-bulk");
      pager = Pager.create(path, PagerOptions.defaults().withInitialPageCount(FileSize.pages("64MiB")));
    }

    /** Closes the pager and deletes its file. */
    @TearDown(Level.Trial)
    public void delete() throws Exception {
      ScratchFiles.closeAndDelete(pager, path);
    }
  }

  /** For {@link #allocBulk}: frees the pages each measured call took. */
  public static class AllocState extends PagerFile {
    /** Frees, in a commit of its own, the pages the measured call took. */
    @TearDown(Level.Invocation)
    public void freeThem() throws IOException {
      pager.freeBulk(pages);
      pages = List.of();
    }
  }

  /** For {@link #freeBulk}: allocates, before each measured call, the pages it frees. */
  public static class FreeState extends PagerFile {
    /** Allocates, in a commit of its own, the pages the measured call gives back. */
    @Setup(Level.Invocation)
    public void allocThem() throws IOException {
      pages = pager.allocBulk(count);
    }
  }

  /** An empty LMDB environment; base of both LMDB states. */
  @State(Scope.Thread)
  public abstract static class LmdbRecords {
    /** Records per transaction. */
    @Param({"1", "64", "1024", "10000"})
    public int count;

    LmdbFile lmdb;
    final ByteBuffer key = LmdbFile.newKey();
    final ByteBuffer value = LmdbFile.newValue(Long.BYTES, (byte) 7);

    /** Creates the environment. */
    @Setup(Level.Trial)
    public void create() throws IOException {
      lmdb = LmdbFile.create("alloc-bulk-lmdb", FileSize.bytes("64MiB"));
    }

    /** Closes the environment and deletes its files. */
    @TearDown(Level.Trial)
    public void delete() throws IOException {
      lmdb.closeAndDelete();
    }

    /** Puts records 0 to {@code count - 1} in one durable write transaction. */
    void putAll() {
      try (Txn<ByteBuffer> txn = lmdb.env().txnWrite()) {
        for (long id = 0; id < count; id++) {
          key.putLong(0, id);
          lmdb.db().put(txn, key, value);
        }
        txn.commit();
      }
    }

    /** Deletes records 0 to {@code count - 1} in one durable write transaction. */
    void deleteAll() {
      try (Txn<ByteBuffer> txn = lmdb.env().txnWrite()) {
        for (long id = 0; id < count; id++) {
          key.putLong(0, id);
          lmdb.db().delete(txn, key);
        }
        txn.commit();
      }
    }
  }

  /** For {@link #lmdbPutBulk}: deletes the records each measured call put. */
  public static class LmdbPutState extends LmdbRecords {
    /** Deletes, in a transaction of its own, the records the measured call put. */
    @TearDown(Level.Invocation)
    public void deleteThem() {
      deleteAll();
    }
  }

  /** For {@link #lmdbDeleteBulk}: puts, before each measured call, the records it deletes. */
  public static class LmdbDeleteState extends LmdbRecords {
    /** Puts, in a transaction of its own, the records the measured call deletes. */
    @Setup(Level.Invocation)
    public void putThem() {
      putAll();
    }
  }

  /** Allocates {@code count} pages in one durable commit. */
  @Benchmark
  public List<PageId> allocBulk(AllocState state) throws IOException {
    state.pages = state.pager.allocBulk(state.count);
    return state.pages;
  }

  /** Frees {@code count} pages in one durable commit. */
  @Benchmark
  public void freeBulk(FreeState state) throws IOException {
    state.pager.freeBulk(state.pages);
  }

  /** LMDB's allocBulk: {@code count} puts in one durable write transaction. */
  @Benchmark
  public void lmdbPutBulk(LmdbPutState state) {
    state.putAll();
  }

  /** LMDB's freeBulk: {@code count} deletes in one durable write transaction. */
  @Benchmark
  public void lmdbDeleteBulk(LmdbDeleteState state) {
    state.deleteAll();
  }
}
