package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pending list keeps the reuse rule across a reopen: pages the last commit freed are not
 * handed out before the first commit after the open is durable, so the alternate copy stays whole
 * until then, as it does between any two commits.
 */
class PendingListTest {
  @TempDir Path dir;

  /**
   * The window FORMAT.md "Recovery" used to describe: during the first commit after an open, a
   * writer reused the pages the last commit freed, which the alternate copy still reaches. Had the
   * current copy then rotted, the fallback found those pages overwritten.
   */
  @Test
  void theFirstTransactionAfterAReopenLeavesTheAlternatesPagesAlone() throws IOException {
    Path file = dir.resolve("pages.db");
    List<Long> freed = new ArrayList<>();
    long alternateGeneration;
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      for (PageId id : pager.allocBulk(100)) {
        pager.page(id).putLong(0, 1000 + id.index());
        freed.add(id.index());
      }
      try (Transaction tx = pager.begin()) {
        tx.setRoot(0, 1);
        tx.commit();
      }
      alternateGeneration = pager.generation();
      pager.freeBulk(freed.stream().map(pager::pageId).toList());
    }

    try (Pager pager = Pager.open(file)) {
      assertThat(pager.generation()).isEqualTo(alternateGeneration + 1);
      try (Transaction tx = pager.begin()) {
        for (PageId id : tx.allocBulk(100)) {
          assertThat(freed).as("a page the last commit freed, handed out before the next commit").doesNotContain(id.index());
          pager.page(id).putLong(0, -1);
        }
        // Not committed: a crash here leaves the last commit current, and its alternate whole.
      }
    }

    // The current copy's tree root rots: open falls back to the alternate, which must be intact.
    NodeRot.freeSpaceTree(file).rotRoot();
    try (Pager pager = Pager.open(file)) {
      assertThat(pager.openedFromAlternate()).isTrue();
      assertThat(pager.generation()).isEqualTo(alternateGeneration);
      for (long index : freed) {
        assertThat(pager.page(pager.pageId(index)).getLong(0)).as("page %d at the alternate", index).isEqualTo(1000 + index);
      }
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  @Test
  void aListOfManyPagesAndGenerationsSurvivesAReopenAndIsReleasedByTheNextCommit() throws IOException {
    Path file = dir.resolve("pages.db");
    // Every other page: as many runs as pages, several list pages at 1 KiB per page.
    PagerOptions options = PagerOptions.defaults().withPageSize(1024);
    Set<Long> freedLast = new HashSet<>();
    long generation;
    try (Pager pager = Pager.create(file, options)) {
      List<PageId> pages = pager.allocBulk(2000);
      try (Snapshot held = pager.snapshot()) {
        // Three commits free pages while a snapshot holds them: the list holds three generations.
        for (int round = 0; round < 3; round++) {
          List<PageId> free = new ArrayList<>();
          for (int i = round; i < pages.size(); i += 6) {
            free.add(pages.get(i));
          }
          pager.freeBulk(free);
        }
        assertThat(held.generation()).isLessThan(pager.generation());
        List<PageId> free = new ArrayList<>();
        for (int i = 3; i < pages.size(); i += 6) {
          free.add(pages.get(i));
          freedLast.add(pages.get(i).index());
        }
        pager.freeBulk(free);
        generation = pager.generation();
        TreeReport report = pager.verify();
        assertThat(report.problems()).isEmpty();
        assertThat(report.pendingPageCount()).isGreaterThanOrEqualTo(4 * 333);
        assertThat(report.pendingListPageCount()).isGreaterThan(1);
      }
    }

    PendingList.Contents list = listOf(file);
    try (Pager pager = Pager.open(file, options)) {
      assertThat(list.runs().stream().map(PendingList.Run::freedBy).distinct().count())
          .as("generations in the list").isGreaterThanOrEqualTo(4);
      // The last commit's runs hold the user pages it freed, and the tree nodes and list pages it replaced.
      Set<Long> listedLast = new HashSet<>();
      for (PendingList.Run run : list.runs()) {
        for (long page = run.first(); run.freedBy() == generation && page < run.first() + run.length(); page++) {
          listedLast.add(page);
        }
      }
      assertThat(listedLast).containsAll(freedLast);
      assertThat(pager.verify().problems()).isEmpty();

      // No snapshot outlived the pager: older generations are released at open, the last one
      // only once the next commit is durable.
      Set<Long> first = new HashSet<>();
      try (Transaction tx = pager.begin()) {
        tx.allocBulk(2000).forEach(id -> first.add(id.index()));
        tx.commit();
      }
      assertThat(first).doesNotContainAnyElementsOf(freedLast);
      Set<Long> second = new HashSet<>();
      try (Transaction tx = pager.begin()) {
        tx.allocBulk(freedLast.size()).forEach(id -> second.add(id.index()));
        tx.commit();
      }
      assertThat(second).containsAll(freedLast);
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  @Test
  void aDamagedPendingListMakesItsCopyUnusableAndOpenFallsBack() throws IOException {
    Path file = dir.resolve("pages.db");
    long before;
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      pager.allocBulk(10);
      before = pager.generation();
      pager.free(pager.pageId(5));
    }
    PageFileInspection written = PageFileInspection.inspect(file);
    long head = written.copy(written.activeSlot()).pendingListHead();
    assertThat(head).isNotZero();
    new NodeRot(file, TreeGeometry.of(PagerOptions.DEFAULT_PAGE_SIZE), head, 1).flipTwoBits(head, Format.PL_RUNS, 0, 1);

    PageFileInspection inspection = PageFileInspection.inspect(file);
    assertThat(inspection.copy(written.activeSlot()).problem()).contains("pending list");
    try (Pager pager = Pager.open(file)) {
      assertThat(pager.openedFromAlternate()).isTrue();
      assertThat(pager.generation()).isEqualTo(before);
      assertThat(pager.isAllocated(pager.pageId(5))).isTrue();
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  /** The pending list the active record of a closed file names, read with plain file reads. */
  private static PendingList.Contents listOf(Path file) throws IOException {
    PageFileInspection inspection = PageFileInspection.inspect(file);
    int pageSize = inspection.pageSize();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      PendingList.PageReader reader = page -> {
        ByteBuffer buffer = ByteBuffer.allocate(pageSize);
        channel.read(buffer, page * pageSize);
        return MemorySegment.ofArray(buffer.array());
      };
      MetadataRecord record =
          MetadataRecord.decode(MetadataRecord.copyOf(reader.page(inspection.activeSlot())), pageSize);
      PendingList.Contents list = new PendingList.Contents(new ArrayList<>(), new ArrayList<>());
      assertThat(PendingList.read(reader, record, list)).isNull();
      return list;
    }
  }
}
