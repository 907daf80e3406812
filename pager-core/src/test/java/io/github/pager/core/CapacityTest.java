package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The free-space map reaches past 2^32 pages: on a sparse file of 1 KiB pages (4 TiB), allocate
 * every page below 2^32 in runs, then one more, and find it above 2^32 after a reopen. Only the
 * tree's pages are written (about one per 8,000 pages), never the file.
 */
class CapacityTest {
  private static final long TWO_POW_32 = 1L << 32;

  @TempDir Path dir;

  @Test
  void pageIdsReachBeyondTwoToThe32() throws IOException {
    Path path = dir.resolve("huge.db");
    PagerOptions options =
        PagerOptions.defaults()
            .withPageSize(1024)
            .withSparse(true)
            .withDurability(Durability.NONE)
            .withInitialPageCount(TWO_POW_32 + (1 << 20));
    long beyond;
    try (Pager pager = Pager.create(path, options)) {
      assertThat(pager.pageCount()).isGreaterThan(TWO_POW_32);
      long chunk = 1L << 28;
      while (pager.freePageCount() > pager.pageCount() - TWO_POW_32) {
        pager.allocRun(Math.min(chunk, TWO_POW_32 - firstFreeGuess(pager)));
      }
      // Tree pages replaced by copy-on-write were freed along the way: fill those holes too.
      PageId id = pager.alloc();
      for (int holes = 0; id.index() < TWO_POW_32 && holes < 100_000; holes++) {
        id = pager.alloc();
      }
      beyond = id.index();
      assertThat(beyond).isGreaterThanOrEqualTo(TWO_POW_32);
      pager.page(id).putLong(0, beyond);
      pager.sync();
    }
    assertThat(Files.size(path)).isGreaterThan(TWO_POW_32 * 1024);
    assertThat(bytesOnDisk(path)).as("bytes on disk of a 4 TiB sparse file").isLessThan(2L << 30);
    try (Pager pager = Pager.open(path, options)) {
      PageId id = pager.pageId(beyond);
      assertThat(pager.isAllocated(id)).isTrue();
      assertThat(pager.page(id).getLong(0)).isEqualTo(beyond);
      TreeReport report = pager.verify();
      assertThat(report.problems()).isEmpty();
      assertThat(report.treeHeight()).isGreaterThanOrEqualTo(4);
    }
  }

  /** What the file occupies on disk, from stat(1): the JDK exposes no block count. */
  private static long bytesOnDisk(Path path) throws IOException {
    Process stat = new ProcessBuilder("stat", "-c", "%b %B", path.toString()).redirectErrorStream(true).start();
    String out = new String(stat.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
    try {
      assertThat(stat.waitFor()).as("stat output: %s", out).isZero();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    String[] parts = out.split(" ", -1);
    return Long.parseLong(parts[0]) * Long.parseLong(parts[1]);
  }

  /** Pages in use so far, which is where the next run starts when nothing was ever freed. */
  private static long firstFreeGuess(Pager pager) {
    return pager.pageCount() - pager.freePageCount();
  }
}
