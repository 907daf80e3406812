package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trimmed copy of a snapshot whose record keeps a chain page with both
 * released and pending runs, taken while the writer goes on and cuts the chain. The copy must open
 * at the snapshot's generation, verify clean, and go on committing.
 */
class PendingChainCopyTest {
  @TempDir Path dir;

  @Test
  void aTrimmedCopyOfASnapshotWithAPartlyReleasedChainOpensAndCommits() throws IOException {
    Path file = dir.resolve("pages.db");
    PagerOptions options = PagerOptions.defaults().withPageSize(1024);
    int perCommit = MetadataRecord.inlineRunCapacity(1024) / 3 + 1;
    try (Pager pager = Pager.create(file, options)) {
      List<PageId> pages = pager.allocBulk(40 * perCommit);
      Snapshot oldest = pager.snapshot();
      // High pages, scattered: the runs name pages near the end of the file.
      int base = 30 * perCommit;
      pager.freeBulk(PendingListTest.everyOther(pages, base, perCommit / 2));
      Snapshot second = pager.snapshot();
      pager.freeBulk(PendingListTest.everyOther(pages, base + perCommit, perCommit / 2));
      pager.freeBulk(PendingListTest.everyOther(pages, base + 2 * perCommit, perCommit / 2));
      pager.freeBulk(PendingListTest.everyOther(pages, base + 3 * perCommit, perCommit));
      oldest.close();
      // Free the rest of the top so that only the runs keep a trimmed copy long.
      List<PageId> top = new ArrayList<>();
      for (int i = base + 6 * perCommit; i < pages.size(); i++) {
        top.add(pages.get(i));
      }
      pager.freeBulk(top);
      try (Snapshot copied = pager.snapshot()) {
        second.close();
        // The writer goes on: releases, cuts, reuses.
        for (int i = 0; i < 5; i++) {
          try (Transaction tx = pager.begin()) {
            tx.allocBulk(perCommit);
            tx.commit();
          }
        }
        for (boolean sparse : new boolean[] {false, true}) {
          Path target = dir.resolve("copy-" + sparse + ".db");
          CopyReport report = copied.copyTo(target, CopyOptions.defaults().withTrimFreeTail(true).withSparse(sparse));
          assertThat(report.generation()).isEqualTo(copied.generation());
          try (Pager copy = Pager.open(target, options)) {
            assertThat(copy.generation()).isEqualTo(copied.generation());
            assertThat(copy.verify().problems()).isEmpty();
            assertThat(copy.pendingPages().listPages()).as("the snapshot's chain, copied").isPositive();
            System.out.println("copy: " + report + ", pending " + copy.pendingPages());
            for (int i = 0; i < 4; i++) {
              try (Transaction tx = copy.begin()) {
                List<PageId> got = tx.allocBulk(2 * perCommit);
                tx.freeBulk(got.subList(0, perCommit));
                tx.commit();
              }
              assertThat(copy.verify().problems()).isEmpty();
            }
          }
          try (Pager copy = Pager.open(target, options)) {
            assertThat(copy.openedFromAlternate()).isFalse();
            assertThat(copy.verify().problems()).isEmpty();
          }
        }
      }
      assertThat(pager.verify().problems()).isEmpty();
    }
  }
}
