package io.github.pager.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.Durability;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.testkit.CrashExplorer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under a steady update load the file stops growing: the nodes each commit replaces go back to
 * the pager, which hands them out again under its reuse rule.
 *
 * <p>The load: 2,000 keys of 16 bytes with 100-byte values, loaded once, then 100,000 updates of
 * random keys to new 100-byte values, in commits of 1 to 16 updates, on 4 KiB pages. Values keep
 * their size, so the tree keeps its shape: {@code live} node pages ({@code L} leaves and their
 * branches, height {@code h}), measured by {@code verify()} after the load and again at the end.
 *
 * <p>The bound. A commit of {@code u <= 16} updates copies at most every node on the paths to
 * their leaves, {@code D = 16 (h - 1) + 1} pages (the root once), and frees the originals. A page
 * freed by commit {@code c} is pending until commit {@code c + 1} is durable, so while commit
 * {@code c} allocates, the pages in use are at most: the 3 reserved pages; the pager's own (the
 * free-space tree's root leaf, its pending predecessor and the copy being made: 3; the pending
 * list fits in the metadata record at this size); the live tree; the pages commit {@code c - 1}
 * freed; and the pages commit {@code c} has taken: {@code peak = 6 + live + 2D}. The pager grows
 * a file by at most doubling it (FreeSpaceTree.nextPageCount), and only when no page is free, so
 * the page count never exceeds {@code 2 * peak}. For the figures this load gives (about 90
 * leaves, height 2) that is about 2 x 130 pages, where 100,000 updates without reuse would need
 * some 200,000.
 */
class KvSpaceReuseTest {
  private static final int KEYS = 2_000;
  private static final int UPDATES = CrashExplorer.soak() ? 1_000_000 : 100_000;
  private static final int MAX_BATCH = 16;

  @TempDir Path dir;

  @Test
  void aSteadyUpdateLoadReusesFreedNodesAndTheFileStopsGrowing() throws IOException {
    long seed = CrashExplorer.defaultSeed();
    SplittableRandom random = new SplittableRandom(seed);
    PagerOptions options = PagerOptions.defaults().withDurability(Durability.NONE);
    try (Pager pager = Pager.create(dir.resolve("reuse.pages"), options)) {
      KvStore store = KvStore.on(pager);
      try (KvWriteTransaction tx = store.beginWrite()) {
        for (int key = 0; key < KEYS; key++) {
          tx.put(key(key), value(random));
        }
        tx.commit();
      }
      KvVerifyReport loaded = store.verify();
      assertThat(loaded.problems()).isEmpty();
      long live = loaded.nodePages();
      int height = loaded.height();
      long perCommit = (long) MAX_BATCH * (height - 1) + 1;
      long peak = 6 + live + 2 * perCommit;

      long maxInUse = 0;
      int done = 0;
      while (done < UPDATES) {
        int batch = Math.min(UPDATES - done, 1 + random.nextInt(MAX_BATCH));
        try (KvWriteTransaction tx = store.beginWrite()) {
          for (int i = 0; i < batch; i++) {
            tx.put(key(random.nextInt(KEYS)), value(random));
          }
          tx.commit();
        }
        done += batch;
        maxInUse = Math.max(maxInUse, pager.pageCount() - pager.freePageCount());
      }

      KvVerifyReport end = store.verify();
      System.out.printf(
          "[kv reuse] seed %d: %d updates; tree of %d node pages, height %d; per commit at most %d pages; "
              + "in use at most %d (bound %d); file %d pages (bound %d)%n",
          seed, UPDATES, live, height, perCommit, maxInUse, peak, pager.pageCount(), 2 * peak);
      assertThat(end.problems()).isEmpty();
      assertThat(end.entries()).isEqualTo(KEYS);
      assertThat(end.nodePages()).as("values keep their size, so the tree keeps its shape").isEqualTo(live);
      TreeSet<Long> allocated = new TreeSet<>();
      pager.forEachAllocated(id -> allocated.add(id.index()));
      assertThat(allocated).as("no page leaked: every allocated page is the tree's").isEqualTo(end.pages());
      assertThat(maxInUse).as("pages in use (seed %d)", seed).isLessThanOrEqualTo(peak);
      assertThat(pager.pageCount()).as("the file's pages (seed %d)", seed).isLessThanOrEqualTo(2 * peak);
    }
  }

  private static byte[] key(int index) {
    return ByteBuffer.allocate(16).putLong(0x6b65795f6b65795fL).putLong(index).array();
  }

  private static byte[] value(SplittableRandom random) {
    byte[] value = new byte[100];
    random.nextBytes(value);
    return value;
  }
}
