package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pages the pager keeps for itself (superblock, metadata, free-space tree nodes) are never
 * handed out as views: one store into a tree node would make the next open fall back and lose
 * acknowledged commits.
 */
class PagerOwnPagesTest {
  @TempDir Path dir;

  @Test
  void aViewOfTheFreeSpaceTreeRootIsRefused() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("pages.db"), PagerOptions.defaults())) {
      pager.alloc();
      PageFileInspection inspection = PageFileInspection.inspect(dir.resolve("pages.db"));
      long root = inspection.copy(inspection.trustedSlot()).treeRoot();
      assertThatThrownBy(() -> pager.page(pager.pageId(root)))
          .isInstanceOf(ReservedPageException.class)
          .hasMessageContaining("page " + root);
      assertThatThrownBy(() -> pager.free(pager.pageId(root))).isInstanceOf(ReservedPageException.class);
    }
  }

  @Test
  void everyNodeOfATallTreeIsRefusedAndEveryOtherPageIsNot() throws IOException {
    Path file = dir.resolve("tall.db");
    PagerOptions options = PagerOptions.defaults().withPageSize(1024).withSparse(true);
    try (Pager pager = Pager.create(file, options)) {
      // 1 KiB pages: a leaf covers 8064 pages, so allocating far apart needs a tree of height 2.
      try (Transaction tx = pager.begin()) {
        tx.ensurePageCount(40_000);
        tx.commit();
      }
      for (int i = 0; i < 5; i++) {
        try (Transaction tx = pager.begin()) {
          tx.allocRun(8_000);
          tx.commit();
        }
      }
      Set<Long> nodes = new HashSet<>(pager.treeNodePagesForTests());
      assertThat(nodes).as("a tree of height 2 has a root and several leaves").hasSizeGreaterThan(2);
      for (long page = Format.FIRST_DATA_PAGE; page < pager.pageCount(); page++) {
        long index = page;
        if (nodes.contains(page)) {
          assertThatThrownBy(() -> pager.page(pager.pageId(index)))
              .as("node page %d", index)
              .isInstanceOf(ReservedPageException.class);
        } else {
          assertThat(pager.page(pager.pageId(index)).size()).isEqualTo(1024);
        }
      }
    }
  }

  @Test
  void anInitialPageCountIsThePageCount() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("sized.db"), PagerOptions.defaults().withInitialPageCount(40_000))) {
      assertThat(pager.pageCount()).isEqualTo(40_000);
    }
    try (Pager pager = Pager.open(dir.resolve("sized.db"))) {
      assertThat(pager.pageCount()).isEqualTo(40_000);
    }
  }
}
