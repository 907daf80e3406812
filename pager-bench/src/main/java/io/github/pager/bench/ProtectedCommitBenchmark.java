package io.github.pager.bench;

import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.protectedpages.ProtectedPageAllocator;
import io.github.pager.protectedpages.ProtectedPageId;
import io.github.pager.protectedpages.ProtectedPageWriter;
import io.github.pager.protectedpages.ProtectedTransaction;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Protected pages: a whole 4 KiB page written and committed atomically, and sixteen pages
 * written and committed together in one transaction. Either commit syncs twice (the staged
 * copies with the directory and metadata, then the superblock), so both should sit near the
 * two-sync floor of {@link RawSyncBenchmark} measured in the same run, the sixteen-page one
 * higher only by the extra bytes written and checksummed.
 *
 * <p>The peer, in the same run: {@link #lmdbWrite4kCommit}, one put of a 4 KiB value over an
 * existing record in a durable write transaction of its own, and {@link #lmdbTransaction16},
 * sixteen such puts in one transaction. LMDB's pages are copy-on-write, so its commits are atomic
 * as the pager's protected ones are. LMDB keeps a 4096-byte value in two overflow pages (each page
 * has a 16-byte header): that is what a user storing 4 KiB records in it pays.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(jvmArgsAppend = {LmdbFile.OPEN_JAVA_NIO, LmdbFile.OPEN_SUN_NIO_CH, LmdbFile.NATIVE_ACCESS})
public class ProtectedCommitBenchmark {
  private static final int PAGES = 16;

  /** A pager on a 64 MiB file with sixteen protected pages. */
  @State(Scope.Thread)
  public static class PagerState {
    Path path;
    Pager pager;
    ProtectedPageAllocator pages;
    List<ProtectedPageId> ids = List.of();
    byte stamp;

    /** Creates the file and its sixteen protected pages. */
    @Setup(Level.Trial)
    public void create() throws IOException {
      path = ScratchFiles.newPath("protected");
      pager = Pager.create(path, PagerOptions.defaults().withInitialPageCount(FileSize.pages("64MiB")));
      pages = ProtectedPageAllocator.open(pager, 0);
      ids = pages.allocBulk(PAGES);
    }

    /** Closes the pager and deletes its file. */
    @TearDown(Level.Trial)
    public void delete() throws Exception {
      ScratchFiles.closeAndDelete(pager, path);
    }
  }

  /** An LMDB environment with sixteen 4 KiB records, ids 0 to 15. */
  @State(Scope.Thread)
  public static class LmdbState {
    LmdbFile lmdb;
    final ByteBuffer key = LmdbFile.newKey();
    final ByteBuffer value = ByteBuffer.allocateDirect(FileSize.PAGE_SIZE);
    byte stamp;

    /** Creates the environment and its sixteen records. */
    @Setup(Level.Trial)
    public void create() throws IOException {
      lmdb = LmdbFile.create("protected-lmdb", FileSize.bytes("64MiB"));
      lmdb.fill(0, PAGES, FileSize.PAGE_SIZE);
    }

    /** Closes the environment and deletes its files. */
    @TearDown(Level.Trial)
    public void delete() throws IOException {
      lmdb.closeAndDelete();
    }

    /** Fills the value with the next stamp, as the pager's benchmarks fill the page. */
    void restamp() {
      ++stamp;
      for (int i = 0; i < FileSize.PAGE_SIZE; i += Long.BYTES) {
        value.putLong(i, (stamp & 0xFFL) * 0x0101010101010101L);
      }
    }
  }

  /** Rewrites one protected page whole and commits it: atomic and durable. */
  @Benchmark
  public long write4kCommit(PagerState state) throws IOException {
    try (ProtectedPageWriter writer = state.pages.write(state.ids.get(0))) {
      writer.segment().fill(++state.stamp);
      writer.commit();
    }
    return state.stamp;
  }

  /** Rewrites sixteen protected pages whole and commits them with one metadata record. */
  @Benchmark
  public long transaction16(PagerState state) throws IOException {
    try (ProtectedTransaction tx = state.pages.begin()) {
      byte stamp = ++state.stamp;
      for (ProtectedPageId id : state.ids) {
        tx.write(id).fill(stamp);
      }
      tx.commit();
    }
    return state.stamp;
  }

  /** LMDB: one 4 KiB value put over record 0 in a durable write transaction. */
  @Benchmark
  public long lmdbWrite4kCommit(LmdbState state) {
    state.restamp();
    state.key.putLong(0, 0);
    state.lmdb.putCommitted(state.key, state.value);
    return state.stamp;
  }

  /** LMDB: sixteen 4 KiB values put over records 0 to 15 in one durable write transaction. */
  @Benchmark
  public long lmdbTransaction16(LmdbState state) {
    state.restamp();
    try (Txn<ByteBuffer> txn = state.lmdb.env().txnWrite()) {
      for (long id = 0; id < PAGES; id++) {
        state.key.putLong(0, id);
        state.lmdb.db().put(txn, state.key, state.value);
      }
      txn.commit();
    }
    return state.stamp;
  }
}
