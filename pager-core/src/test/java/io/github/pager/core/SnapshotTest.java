package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A snapshot keeps seeing its commit while the writer goes on, and holds back only what it reaches. */
class SnapshotTest {
  @TempDir Path dir;

  @Test
  void aSnapshotKeepsItsCommitWhileTheWriterFreesReusesAndRewrites() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("pages.db"), PagerOptions.defaults().withDurability(Durability.NONE))) {
      List<PageId> pages = pager.allocBulk(50);
      for (PageId id : pages) {
        pager.page(id).putLong(0, id.index() * 7);
      }
      try (Transaction tx = pager.begin()) {
        tx.setRoot(0, 4242);
        tx.bitmap(4).set(99);
        tx.array(6, 16).set(3, new long[] {1, 2});
        tx.commit();
      }
      Set<Long> allocatedThen = allocated(pager);
      try (Snapshot snapshot = pager.snapshot()) {
        long generation = snapshot.generation();
        // The writer frees everything the snapshot reaches, commits many times, and writes
        // into every page it gets: none of them may be a page the snapshot reaches.
        pager.freeBulk(pages);
        for (int round = 0; round < 20; round++) {
          try (Transaction tx = pager.begin()) {
            for (PageId id : tx.allocBulk(10)) {
              assertThat(allocatedThen).as("round %d handed out a page the snapshot reaches", round)
                  .doesNotContain(id.index());
              pager.page(id).putLong(0, -1);
            }
            tx.setRoot(0, round);
            tx.bitmap(4).set(1000 + round);
            tx.array(6, 16).set(3, new long[] {round, round});
            tx.commit();
          }
        }
        assertThat(pager.generation()).isGreaterThan(generation + 20);
        assertThat(snapshot.generation()).isEqualTo(generation);
        assertThat(snapshot.root(0)).isEqualTo(4242);
        assertThat(snapshot.readBitmap(4).get(99)).isTrue();
        assertThat(snapshot.readBitmap(4).get(1000)).isFalse();
        assertThat(snapshot.readArray(6, 16).get(3)).containsExactly(1, 2);
        Set<Long> seen = new HashSet<>();
        snapshot.forEachAllocated(id -> seen.add(id.index()));
        assertThat(seen).isEqualTo(allocatedThen);
        for (PageId id : pages) {
          assertThat(snapshot.isAllocated(id)).isTrue();
          assertThat(snapshot.page(id).getLong(0)).isEqualTo(id.index() * 7);
        }
        assertThat(pager.pagesHeldForSnapshots()).isGreaterThanOrEqualTo(pages.size());
        assertThat(pager.oldestSnapshotGeneration()).isEqualTo(generation);
        assertThatThrownBy(() -> snapshot.page(pages.get(0)).putLong(0, 1)).isInstanceOf(ReadOnlyPagerException.class);
      }
      // Closed: the held pages (the snapshot's user pages and its tree's old nodes) are free for
      // the next transaction, lowest first.
      assertThat(pager.openSnapshots()).isZero();
      assertThat(pager.alloc().index()).isLessThanOrEqualTo(pages.get(0).index());
      assertThat(pager.pagesHeldForSnapshots()).isZero();
    }
  }

  @Test
  void withoutSnapshotsAFreedPageIsReusedAfterTheNextCommitAsBefore() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("plain.db"), PagerOptions.defaults().withDurability(Durability.NONE))) {
      PageId first = pager.alloc();
      pager.free(first);
      assertThat(pager.alloc()).as("pending until the commit after the free").isNotEqualTo(first);
      assertThat(pager.alloc()).isEqualTo(first);
    }
  }

  @Test
  void aSnapshotTakenAfterAFreeDoesNotHoldThatPage() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("late.db"), PagerOptions.defaults().withDurability(Durability.NONE))) {
      PageId first = pager.alloc();
      pager.free(first);
      try (Snapshot snapshot = pager.snapshot()) {
        assertThat(snapshot.isAllocated(first)).isFalse();
        pager.alloc();
        assertThat(pager.alloc()).as("the snapshot does not reach the page").isEqualTo(first);
      }
    }
  }

  @Test
  void aClosedSnapshotRefusesReads() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("closed.db"), PagerOptions.defaults())) {
      PageId id = pager.alloc();
      Snapshot snapshot = pager.snapshot();
      PersistentBitmap bitmap = snapshot.readBitmap(0);
      snapshot.close();
      snapshot.close();
      assertThatThrownBy(() -> snapshot.page(id)).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> bitmap.get(1)).isInstanceOf(IllegalStateException.class);
      assertThat(pager.openSnapshots()).isZero();
    }
  }

  private static Set<Long> allocated(Pager pager) throws IOException {
    Set<Long> set = new HashSet<>();
    for (PageId id : new ArrayList<>(pager.allocatedPages())) {
      set.add(id.index());
    }
    return set;
  }
}
