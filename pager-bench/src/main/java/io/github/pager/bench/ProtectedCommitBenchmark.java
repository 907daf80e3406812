package io.github.pager.bench;

import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.protectedpages.ProtectedPageAllocator;
import io.github.pager.protectedpages.ProtectedPageId;
import io.github.pager.protectedpages.ProtectedPageWriter;
import io.github.pager.protectedpages.ProtectedTransaction;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
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
 * Protected pages: a whole 4 KiB page written and committed atomically, and sixteen pages
 * written and committed together in one transaction. Either commit syncs twice (the staged
 * copies with the directory and metadata, then the superblock), so both should sit near the
 * two-sync floor of {@link RawSyncBenchmark} measured in the same run, the sixteen-page one
 * higher only by the extra bytes written and checksummed.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
public class ProtectedCommitBenchmark {
  private Path path;
  private Pager pager;
  private ProtectedPageAllocator pages;
  private List<ProtectedPageId> ids = List.of();
  private byte stamp;

  /** Creates a 64 MiB file with sixteen protected pages. */
  @Setup(Level.Trial)
  public void create() throws IOException {
    path = ScratchFiles.newPath("protected");
    pager = Pager.create(path, PagerOptions.defaults().withInitialPageCount(FileSize.pages("64MiB")));
    pages = ProtectedPageAllocator.open(pager, 0);
    ids = pages.allocBulk(16);
  }

  /** Closes the pager and deletes its file. */
  @TearDown(Level.Trial)
  public void delete() throws Exception {
    ScratchFiles.closeAndDelete(pager, path);
  }

  /** Rewrites one protected page whole and commits it: atomic and durable. */
  @Benchmark
  public long write4kCommit() throws IOException {
    try (ProtectedPageWriter writer = pages.write(ids.get(0))) {
      writer.segment().fill(++stamp);
      writer.commit();
    }
    return stamp;
  }

  /** Rewrites sixteen protected pages whole and commits them with one metadata record. */
  @Benchmark
  public long transaction16() throws IOException {
    try (ProtectedTransaction tx = pages.begin()) {
      ++stamp;
      for (ProtectedPageId id : ids) {
        tx.write(id).fill(stamp);
      }
      tx.commit();
    }
    return stamp;
  }
}
