package io.github.pager.protectedpages;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.CommitLayout;
import io.github.pager.core.CompactionReport;
import io.github.pager.core.PageFileCompaction;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Snapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PageFileCompaction} on a real file whose free-space tree node and protected pages lie
 * past the last user page: afterwards the file ends right after that page, every user page and
 * every protected page holds what it held under the same id, and the file verifies and reopens.
 */
class PageFileCompactionTest {
  @TempDir Path dir;

  @Test
  void movesTheTreeAndProtectedPagesBelowTheLastUserPageAndCutsTheTail() throws IOException {
    Path file = dir.resolve("fragmented.pages");
    FragmentedFile.Content content;
    long highestBefore;
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      content = FragmentedFile.build(pager);
      ProtectedPageAllocator protectedPages = ProtectedPageAllocator.open(pager, FragmentedFile.BASE);
      long lastUser = FragmentedFile.lastUserPage(content);
      assertThat(protectedPages.ownedPages()).as("the protected pages lie past the last user page")
          .allMatch(page -> page > lastUser);
      try (Snapshot snapshot = pager.snapshot()) {
        Set<Long> treeNodes = CommitLayout.of(snapshot).freeSpaceTreeNodes().keySet();
        assertThat(treeNodes).as("the free-space tree's node lies past them").isNotEmpty()
            .allMatch(page -> page > lastUser);
      }
      highestBefore = pager.pageCount();
    }
    long bytesBefore = Files.size(file);

    CompactionReport report = PageFileCompaction.compact(file, FragmentedFile.LAYERS);

    long lastUser = FragmentedFile.lastUserPage(content);
    assertThat(report.pageCountBefore()).isEqualTo(highestBefore);
    assertThat(report.bytesBefore()).isEqualTo(bytesBefore);
    assertThat(report.pageCountAfter()).as("the file ends right after the last user page").isEqualTo(lastUser + 1);
    assertThat(report.bytesAfter()).isEqualTo((lastUser + 1) * 4096).isEqualTo(Files.size(file));
    assertThat(report.lastPage()).isEqualTo(lastUser);
    assertThat(report.lastPageOwner()).isEqualTo(CompactionReport.USER_PAGE);
    assertThat(report.moved().get("protected pages at slots 8-12"))
        .as("both copies of 30 pages, and the directory's and bitmap's roots")
        .isEqualTo(2L * FragmentedFile.PROTECTED_PAGES + 2);
    assertThat(report.moved().get("free-space tree nodes")).isPositive();
    assertThat(report.commits()).isBetween(3, 6);
    assertThat(report.notes()).isEmpty();

    try (Pager pager = Pager.open(file)) {
      assertThat(pager.verify().problems()).isEmpty();
      ProtectedPageAllocator.open(pager, FragmentedFile.BASE).verify();
      assertThat(FragmentedFile.read(pager)).isEqualTo(content);
      assertThat(pager.pageCount()).isEqualTo(lastUser + 1);
      // The file goes on as any other: it grows again when it needs to.
      pager.allocBulk(200);
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  @Test
  void aCompactFileIsLeftAsItIs() throws IOException {
    Path file = dir.resolve("compact.pages");
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      FragmentedFile.build(pager);
    }
    PageFileCompaction.compact(file, FragmentedFile.LAYERS);
    byte[] compacted = Files.readAllBytes(file);

    CompactionReport again = PageFileCompaction.compact(file, FragmentedFile.LAYERS);

    assertThat(again.commits()).isZero();
    assertThat(again.pagesMoved()).isZero();
    assertThat(again.bytesAfter()).isEqualTo(again.bytesBefore());
    assertThat(Files.readAllBytes(file)).isEqualTo(compacted);
  }

  @Test
  void withoutTheProtectedLayersRelocatorItsPagesStayAndTheFileEndsAfterThem() throws IOException {
    Path file = dir.resolve("uncovered.pages");
    FragmentedFile.Content content;
    long highestProtected;
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      content = FragmentedFile.build(pager);
      highestProtected = ProtectedPageAllocator.open(pager, FragmentedFile.BASE).ownedPages().stream()
          .mapToLong(Long::longValue).max().orElseThrow();
    }

    CompactionReport report = PageFileCompaction.compact(file, PageFileCompaction.Layers.NONE);

    assertThat(report.lastPage()).as("the protected pages count as user pages").isEqualTo(highestProtected);
    assertThat(report.lastPageOwner()).isEqualTo(CompactionReport.USER_PAGE);
    assertThat(report.pageCountAfter()).isEqualTo(highestProtected + 1);
    try (Pager pager = Pager.open(file)) {
      assertThat(pager.verify().problems()).isEmpty();
      ProtectedPageAllocator.open(pager, FragmentedFile.BASE).verify();
      assertThat(FragmentedFile.read(pager)).isEqualTo(content);
    }
  }
}
