package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.storage.FileStorage;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PagerBasicsTest {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve("pages.db");
  }

  @Test
  void allocatedPagesAndTheirContentSurviveReopen() throws IOException {
    long index;
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      PageId id = pager.alloc();
      index = id.index();
      pager.page(id).putLong(8, 0x1234_5678_9ABC_DEF0L);
      pager.page(id).write(100, "hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, 5);
    }
    try (Pager pager = Pager.open(file())) {
      PageId id = pager.pageId(index);
      assertThat(pager.isAllocated(id)).isTrue();
      assertThat(pager.page(id).getLong(8)).isEqualTo(0x1234_5678_9ABC_DEF0L);
      byte[] bytes = new byte[5];
      pager.page(id).read(100, bytes, 0, 5);
      assertThat(new String(bytes, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("hello");
      assertThat(pager.allocatedPages()).containsExactly(id);
    }
  }

  @Test
  void allocHandsOutTheLowestFreePageAndNeverAReservedOrTreePage() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      List<PageId> ids = pager.allocBulk(5);
      List<Long> indexes = ids.stream().map(PageId::index).toList();
      assertThat(indexes).isSorted().doesNotHaveDuplicates();
      assertThat(indexes).allMatch(i -> i >= Format.FIRST_DATA_PAGE);
      assertThat(indexes).noneMatch(i -> {
        try {
          return pager.verify().isClean() && isTreePage(pager, i);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      PageId lowest = ids.get(0);
      pager.free(lowest);
      // Freed by the last commit: the alternate metadata still references it, so not yet.
      PageId next = pager.alloc();
      assertThat(next.index()).isNotEqualTo(lowest.index());
      // After one more commit it is the lowest free page again.
      PageId again = pager.alloc();
      assertThat(again.index()).isEqualTo(lowest.index());
    }
  }

  private static boolean isTreePage(Pager pager, long index) throws IOException {
    return pager.isAllocated(pager.pageId(index)) != pager.allocatedPages().contains(pager.pageId(index));
  }

  @Test
  void freeCountsAddUp() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      long before = pager.freePageCount();
      List<PageId> ids = pager.allocBulk(3);
      assertThat(pager.freePageCount()).isLessThanOrEqualTo(before - 3);
      TreeReport report = pager.verify();
      assertThat(report.isClean()).as(report.problems().toString()).isTrue();
      assertThat(report.pageCount() - Format.FIRST_DATA_PAGE - report.treeNodeCount() - report.pendingListPageCount()
              - ids.size())
          .isEqualTo(pager.freePageCount());
    }
  }

  @Test
  void doubleFreeIsRefusedAndChangesNothing() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      PageId id = pager.alloc();
      pager.free(id);
      long generation = pager.generation();
      assertThatThrownBy(() -> pager.free(id)).isInstanceOf(DoubleFreeException.class);
      assertThat(pager.generation()).isEqualTo(generation);
    }
  }

  @Test
  void bulkFreeValidatesEveryIdBeforeChangingAnything() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      List<PageId> ids = pager.allocBulk(3);
      assertThatThrownBy(() -> pager.freeBulk(List.of(ids.get(0), ids.get(1), ids.get(0))))
          .isInstanceOf(DoubleFreeException.class);
      PageId stranger;
      try (Pager other = Pager.create(dir.resolve("other.db"), PagerOptions.defaults())) {
        stranger = other.alloc();
      }
      assertThatThrownBy(() -> pager.freeBulk(List.of(ids.get(0), stranger)))
          .isInstanceOf(ForeignPageException.class);
      assertThat(pager.allocatedPages()).containsExactlyElementsOf(ids);
      pager.freeBulk(ids);
      assertThat(pager.allocatedPages()).isEmpty();
    }
  }

  @Test
  void reservedOutOfBoundsAndTreePagesAreRefused() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      assertThatThrownBy(() -> pager.pageId(0)).isInstanceOf(ReservedPageException.class);
      assertThatThrownBy(() -> pager.pageId(2)).isInstanceOf(ReservedPageException.class);
      assertThatThrownBy(() -> pager.pageId(pager.pageCount())).isInstanceOf(PageOutOfBoundsException.class);
      // Page 3 holds the free-space tree's root in a new file.
      PageId root = pager.pageId(3);
      assertThat(pager.isAllocated(root)).isFalse();
      assertThatThrownBy(() -> pager.free(root)).isInstanceOf(ReservedPageException.class);
      // The view by index applies the same checks as the view by handle.
      assertThatThrownBy(() -> pager.page(0L)).isInstanceOf(ReservedPageException.class);
      assertThatThrownBy(() -> pager.page(3L)).isInstanceOf(ReservedPageException.class);
      assertThatThrownBy(() -> pager.page(pager.pageCount())).isInstanceOf(PageOutOfBoundsException.class);
    }
  }

  @Test
  void aPageByIndexIsThePageByHandle() throws IOException {
    Pager pager = Pager.create(file(), PagerOptions.defaults());
    PageId id = pager.alloc();
    pager.page(id.index()).putLong(8, 77);
    assertThat(pager.page(id).getLong(8)).isEqualTo(77);
    assertThat(pager.page(id.index()).id()).isEqualTo(id);
    pager.close();
    assertThatThrownBy(() -> pager.page(id.index())).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void handlesFromAnotherPagerAreRefused() throws IOException {
    try (Pager first = Pager.create(file(), PagerOptions.defaults());
        Pager second = Pager.create(dir.resolve("second.db"), PagerOptions.defaults())) {
      PageId id = first.alloc();
      assertThatThrownBy(() -> second.page(id)).isInstanceOf(ForeignPageException.class);
    }
  }

  @Test
  void createRefusesAnExistingFileAndLeavesItAlone() throws IOException {
    Files.write(file(), new byte[] {1, 2, 3});
    assertThatThrownBy(() -> Pager.create(file(), PagerOptions.defaults()))
        .isInstanceOf(FileAlreadyExistsException.class);
    assertThat(Files.readAllBytes(file())).containsExactly(1, 2, 3);
  }

  @Test
  void aSecondWriterIsRefusedButReadersMayShare() throws IOException {
    try (Pager writer = Pager.create(file(), PagerOptions.defaults())) {
      writer.alloc();
      assertThatThrownBy(() -> Pager.open(file())).isInstanceOf(PageFileLockedException.class);
      Path link = Files.createSymbolicLink(dir.resolve("link.db"), file());
      assertThatThrownBy(() -> Pager.open(link))
          .as("the same file through a symbolic link")
          .isInstanceOf(PageFileLockedException.class);
      // The refusals left the first writer its lock.
      assertThat(FileStorage.isLockedForWriting(file())).isTrue();
      writer.alloc();
      try (Pager reader = Pager.open(file(), PagerOptions.defaults().withReadOnly(true));
          Pager reader2 = Pager.open(file(), PagerOptions.defaults().withReadOnly(true))) {
        assertThat(reader.allocatedPages()).hasSize(2);
        assertThat(reader2.pageCount()).isEqualTo(writer.pageCount());
      }
    }
    assertThat(FileStorage.isLockedForWriting(file())).isFalse();
    try (Pager again = Pager.open(file())) {
      assertThat(again.allocatedPages()).hasSize(2);
    }
  }

  @Test
  void aReadOnlyPagerRefusesChanges() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      pager.alloc();
    }
    try (Pager pager = Pager.open(file(), PagerOptions.defaults().withReadOnly(true))) {
      assertThatThrownBy(pager::alloc).isInstanceOf(ReadOnlyPagerException.class);
      PageId id = pager.allocatedPages().get(0);
      assertThatThrownBy(() -> pager.page(id).putLong(0, 1)).isInstanceOf(ReadOnlyPagerException.class);
    }
  }

  @Test
  void viewsThrowAfterCloseInsteadOfCrashing() throws IOException {
    Pager pager = Pager.create(file(), PagerOptions.defaults());
    MappedPage page = pager.page(pager.alloc());
    page.putLong(0, 7);
    pager.close();
    assertThatThrownBy(() -> page.getLong(0)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(pager::alloc).isInstanceOf(IllegalStateException.class);
    pager.close();
  }

  @Test
  void viewsTakenBeforeGrowthStayValidAfterIt() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults().withInitialPageCount(8))) {
      PageId first = pager.alloc();
      MappedPage view = pager.page(first);
      view.putLong(0, 99);
      long before = pager.pageCount();
      List<PageId> more = pager.allocBulk(200);
      assertThat(pager.pageCount()).isGreaterThan(before);
      assertThat(view.getLong(0)).isEqualTo(99);
      view.putLong(8, 100);
      pager.page(more.get(199)).putLong(0, 5);
      assertThat(pager.page(first).getLong(8)).isEqualTo(100);
    }
  }

  @Test
  void growthDoublesTheFile() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults().withInitialPageCount(16))) {
      java.util.Set<Long> seen = new java.util.TreeSet<>();
      for (int i = 0; i < 300; i++) {
        pager.alloc();
        seen.add(pager.pageCount());
      }
      assertThat(seen).containsExactly(16L, 32L, 64L, 128L, 256L, 512L);
    }
    assertThat(FreeSpaceTree.nextPageCount(1L << 30, 1L << 30, 4096))
        .as("a 4 TiB file grows by at most 1 GiB at a time")
        .isEqualTo((1L << 30) + (1L << 30) / 4096);
  }

  @Test
  void allocRunHandsOutConsecutivePages() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      PageId single = pager.alloc();
      PageId run = pager.allocRun(100);
      assertThat(run.index()).isGreaterThan(single.index());
      List<PageId> all = pager.allocatedPages();
      for (long i = run.index(); i < run.index() + 100; i++) {
        assertThat(all).contains(pager.pageId(i));
      }
      assertThat(pager.verify().isClean()).isTrue();
    }
  }

  @Test
  void pagesFreedByTheLastCommitAreNotReusedEvenWhenTheirLeafEmptiedOut() throws IOException {
    PagerOptions options = PagerOptions.defaults().withPageSize(1024).withDurability(Durability.NONE);
    try (Pager pager = Pager.create(file(), options)) {
      long leafSlots = TreeGeometry.of(1024).leafSlots();
      pager.allocRun(2 * leafSlots + 100); // leaf 1 is all user pages; tree pages land after the run
      List<PageId> secondLeaf = new java.util.ArrayList<>();
      for (long i = leafSlots; i < 2 * leafSlots; i++) {
        secondLeaf.add(pager.pageId(i));
      }
      // A free page just below them, so that the lowest run of 100 would reach into them.
      pager.free(pager.pageId(leafSlots - 10));
      pager.freeBulk(secondLeaf); // leaf 1 holds no set bit now and is dropped from the tree
      assertThat(pager.verify().problems()).isEmpty();
      PageId next = pager.allocRun(100);
      assertThat(next.index() + 100 <= leafSlots || next.index() >= 2 * leafSlots)
          .as("run at %d overlaps pages freed by the last commit", next.index())
          .isTrue();
      // That commit made them allocatable again.
      assertThat(pager.allocRun(50).index()).isLessThan(2 * leafSlots);
    }
  }

  @Test
  void transactionsCommitTogetherOrRollBack() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      PageId kept;
      try (Transaction tx = pager.begin()) {
        kept = tx.alloc();
        tx.alloc();
        tx.setRoot(3, 0xABCDL);
        tx.commit();
      }
      try (Transaction tx = pager.begin()) {
        tx.free(kept);
        tx.alloc();
        tx.setRoot(3, 1);
        // closed without commit: rolled back
      }
      assertThat(pager.root(3)).isEqualTo(0xABCDL);
      assertThat(pager.allocatedPages()).hasSize(2).contains(kept);
    }
    try (Pager pager = Pager.open(file())) {
      assertThat(pager.root(3)).isEqualTo(0xABCDL);
      assertThat(pager.allocatedPages()).hasSize(2);
      assertThat(pager.verify().isClean()).isTrue();
    }
  }

  @Test
  void invalidPageSizesAreRefused() {
    for (int size : new int[] {0, 512, 1000, 3000, 1 << 17}) {
      assertThatThrownBy(() -> PagerOptions.defaults().withPageSize(size))
          .isInstanceOf(InvalidPageSizeException.class);
    }
  }

  @Test
  void everyAllowedPageSizeWorks() throws IOException {
    for (int log2 = 10; log2 <= 16; log2++) {
      Path path = dir.resolve("size-" + log2 + ".db");
      try (Pager pager = Pager.create(path, PagerOptions.defaults().withPageSize(1 << log2))) {
        pager.page(pager.alloc()).putInt((1 << log2) - 4, log2);
      }
      try (Pager pager = Pager.open(path)) {
        assertThat(pager.pageSize()).isEqualTo(1 << log2);
        assertThat(pager.page(pager.allocatedPages().get(0)).getInt((1 << log2) - 4)).isEqualTo(log2);
      }
    }
  }

  @Test
  void copyToMovesBytesBetweenPagesWithOverlapAndRefusesAReadOnlyTarget() throws IOException {
    long index;
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      MappedPage from = pager.page(pager.alloc());
      MappedPage to = pager.page(pager.alloc());
      for (int i = 0; i < 16; i++) {
        from.putByte(i, (byte) i);
      }
      from.putShort(16, (short) -2);
      from.copyTo(0, to, 100, 18);
      assertThat(to.getByte(100 + 15)).isEqualTo((byte) 15);
      assertThat(to.getShort(116)).isEqualTo((short) -2);
      // Overlapping ranges in one page: as if through a buffer.
      from.copyTo(0, from, 4, 8);
      assertThat(from.getByte(4)).isEqualTo((byte) 0);
      assertThat(from.getByte(11)).isEqualTo((byte) 7);
      assertThat(from.getByte(12)).isEqualTo((byte) 12);
      assertThatThrownBy(() -> from.copyTo(to.size() - 4, to, 0, 8)).isInstanceOf(IndexOutOfBoundsException.class);
      index = to.id().index();
    }
    try (Pager reader = Pager.open(file(), PagerOptions.defaults().withReadOnly(true));
        Pager writer = Pager.create(dir.resolve("second.db"), PagerOptions.defaults())) {
      MappedPage readOnly = reader.page(index);
      assertThatThrownBy(() -> writer.page(writer.alloc()).copyTo(0, readOnly, 0, 8))
          .isInstanceOf(ReadOnlyPagerException.class);
      assertThat(readOnly.getShort(116)).isEqualTo((short) -2);
    }
  }

  @Test
  void writeReplacesAWholePageVisibleInItsViewAndDurableWithTheNextCommit() throws IOException {
    long index;
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      PageId id = pager.alloc();
      MappedPage view = pager.page(id);
      view.putLong(0, 1);
      try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
        java.lang.foreign.MemorySegment content = arena.allocate(pager.pageSize());
        content.fill((byte) 0x5A);
        pager.write(id, content);
        assertThat(view.getLong(0)).as("the mapping shows a positional write at once").isEqualTo(0x5A5A_5A5A_5A5A_5A5AL);
        assertThat(view.getByte(pager.pageSize() - 1)).isEqualTo((byte) 0x5A);

        assertThatThrownBy(() -> pager.write(id, content.asSlice(0, 100)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("not 100");
        long treeNode = -1;
        for (long i = Format.FIRST_DATA_PAGE; i < pager.pageCount() && treeNode < 0; i++) {
          try {
            pager.page(i);
          } catch (ReservedPageException e) {
            treeNode = i;
          }
        }
        PageId ownPage = pager.pageId(treeNode);
        assertThatThrownBy(() -> pager.write(ownPage, content)).isInstanceOf(ReservedPageException.class);
      }
      pager.alloc(); // a commit: the page write before it is durable with it
      index = id.index();
    }
    try (Pager pager = Pager.open(file(), PagerOptions.defaults().withReadOnly(true))) {
      PageId id = pager.pageId(index);
      assertThat(pager.page(id).getLong(8)).isEqualTo(0x5A5A_5A5A_5A5A_5A5AL);
      assertThatThrownBy(() -> pager.write(id, java.lang.foreign.MemorySegment.ofArray(new byte[pager.pageSize()])))
          .isInstanceOf(ReadOnlyPagerException.class);
    }
    Pager closed = Pager.open(file());
    PageId id = closed.pageId(index);
    closed.close();
    assertThatThrownBy(() -> closed.write(id, java.lang.foreign.MemorySegment.ofArray(new byte[4096])))
        .isInstanceOf(IllegalStateException.class);
  }
}
