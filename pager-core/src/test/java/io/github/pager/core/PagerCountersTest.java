package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Pager#counters()} over known sequences of work, with every expected number taken from
 * FORMAT.md rather than from a run: create syncs the whole file and then the superblock (one range
 * of a page); a commit with durability SYNC syncs the whole file (step 3) and then the metadata
 * page it wrote (step 5); a commit that changes nothing only runs step 3; with NONE, steps 3 and 5
 * are skipped. A free-space tree of one leaf (a 4 KiB leaf covers 32,256 pages) is one node,
 * copied to a fresh page by every commit that changes it; files of {@value #PAGES} pages never grow
 * here, and their tree is one leaf.
 */
class PagerCountersTest {
  private static final int PAGE = 4096;
  private static final int PAGES = 1024;
  private static final PagerOptions OPTIONS = PagerOptions.defaults().withInitialPageCount(PAGES);

  @TempDir Path dir;

  @Test
  void durableCommitsCountTwoSyncsAndOneLeafAndOneRecordEach() throws IOException {
    int n = 7;
    try (Pager pager = Pager.create(dir.resolve("pages.db"), OPTIONS)) {
      PagerCounters created = pager.counters();
      assertThat(created)
          .as("create: one growth, and two syncs, the second of the superblock's page")
          .isEqualTo(new PagerCounters(0, 0, 0, 0, 0, 2, 1, PAGE, 1, 0, 0, 0, 0));

      List<PageId> pages = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        pages.add(pager.alloc());
      }
      pager.free(pages.get(0));
      try (Transaction tx = pager.begin()) {
        tx.commit(); // changes nothing
      }
      pager.sync();

      PagerCounters work = pager.counters().minus(created);
      assertThat(work.commits()).isEqualTo(n + 1);
      assertThat(work.emptyCommits()).isEqualTo(1);
      assertThat(work.nodePagesWritten()).isEqualTo(n + 1);
      assertThat(work.chainPagesWritten()).isZero();
      assertThat(work.pagesWritten()).as("a leaf and a record per commit").isEqualTo(2L * (n + 1));
      assertThat(work.syncs()).as("two per commit, one for the empty commit, one for sync()").isEqualTo(2L * (n + 1) + 2);
      assertThat(work.wholeFileSyncs()).isEqualTo((n + 1) + 2);
      assertThat(work.bytesSynced()).as("one metadata page per commit").isEqualTo((long) (n + 1) * PAGE);
      assertThat(work.grows()).isZero();
      assertThat(work.openFallbacks()).isZero();
      assertThat(work.records()).as("one record per commit that changed something").isEqualTo(n + 1);
      assertThat(work.groups()).as("one thread: each commit is flushed on its own").isEqualTo(n + 2);
      assertThat(work.groupedCommits()).isEqualTo(n + 2);
    }
  }

  @Test
  void aGrowthIsCountedOnceAndCloseSyncsOnceMore() throws IOException {
    Pager pager = Pager.create(dir.resolve("pages.db"), OPTIONS);
    PagerCounters created = pager.counters();
    try (Transaction tx = pager.begin()) {
      tx.ensurePageCount(2 * PAGES);
      tx.commit();
    }
    pager.close();

    PagerCounters work = pager.counters().minus(created);
    assertThat(work.grows()).isEqualTo(1);
    assertThat(work.commits()).isEqualTo(1);
    assertThat(work.syncs()).as("the commit's two and close's").isEqualTo(3);
    assertThat(work.wholeFileSyncs()).isEqualTo(2);
  }

  @Test
  void commitsWithoutDurabilitySyncNothing() throws IOException {
    PagerOptions none = OPTIONS.withDurability(Durability.NONE);
    try (Pager pager = Pager.create(dir.resolve("pages.db"), none)) {
      for (int i = 0; i < 5; i++) {
        pager.alloc();
      }
      try (Transaction tx = pager.begin()) {
        tx.commit();
      }
      assertThat(pager.counters())
          .as("create and the commits issue no sync; create grows the file once; one thread: groups of one")
          .isEqualTo(new PagerCounters(5, 1, 10, 5, 0, 0, 0, 0, 1, 0, 5, 6, 6));
    }
  }

  @Test
  void chainPagesWrittenWhileASnapshotHoldsEveryFreeAreThePendingListsChain() throws IOException {
    // A snapshot keeps every run pending and the chain is never cut while it is open, so each
    // chain page a commit writes stays in the list: the count written is the chain's length.
    try (Pager pager = Pager.create(dir.resolve("pages.db"), OPTIONS)) {
      List<PageId> pages = pager.allocBulk(400);
      PagerCounters before = pager.counters();
      try (Snapshot snapshot = pager.snapshot()) {
        // Every other page, one commit each: each free is a run of its own, with the leaf the
        // commit replaces; far more runs than a record holds inline (156 at 4 KiB).
        for (int i = 0; i < pages.size(); i += 2) {
          pager.free(pages.get(i));
        }
        PagerCounters work = pager.counters().minus(before);
        long chain = pager.verify().pendingListPageCount();
        assertThat(chain).as("the runs spilled into a chain").isPositive();
        assertThat(work.chainPagesWritten()).isEqualTo(chain);
        assertThat(work.commits()).isEqualTo(200);
        assertThat(work.pagesWritten()).isEqualTo(work.nodePagesWritten() + chain + 200);
        assertThat(snapshot.generation()).isLessThan(pager.generation());
      }
    }
  }
}
