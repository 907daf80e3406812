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
      assertThat(list.pendingRuns().stream().map(PendingList.Run::freedBy).distinct().count())
          .as("generations in the list").isGreaterThanOrEqualTo(4);
      // The last commit's runs hold the user pages it freed, and the tree nodes and list pages it replaced.
      Set<Long> listedLast = new HashSet<>();
      for (PendingList.Run run : list.pendingRuns()) {
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
    long freedPage;
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      List<PageId> pages = pager.allocBulk(600);
      freedPage = pages.get(2).index();
      before = pager.generation();
      // Every other page: more runs than the record holds, so they go to a chain page.
      List<PageId> free = new ArrayList<>();
      for (int i = 2; i < pages.size(); i += 2) {
        free.add(pages.get(i));
      }
      pager.freeBulk(free);
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
      assertThat(pager.isAllocated(pager.pageId(freedPage))).as("a page the damaged commit freed").isTrue();
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  @Test
  void aCommitWhoseFreesFitTheRecordWritesNoChainPage() throws IOException {
    Path file = dir.resolve("pages.db");
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      List<PageId> pages = pager.allocBulk(10);
      pager.free(pages.get(3));
      PendingPages pending = pager.pendingPages();
      assertThat(pending.pending()).as("the user page and the tree node it replaced").isGreaterThanOrEqualTo(2);
      assertThat(pending.listPages()).isZero();
      assertThat(pager.verify().problems()).isEmpty();
    }
    PendingList.Contents list = listOf(file);
    assertThat(list.chain()).isEmpty();
    assertThat(list.root().inline()).isNotEmpty();
  }

  /**
   * With a snapshot holding every page freed since it was taken, the held runs stay in the record
   * until they outgrow it, then spill into one chain page in front of the chain; the chain is
   * never rewritten, so a commit writes a chain page only every few dozen commits. Once the
   * snapshot is closed, the next commit cuts the whole chain.
   */
  @Test
  void heldRunsSpillIntoTheChainEveryFewDozenCommitsAndTheChainIsCutOnceReleased() throws IOException {
    Path file = dir.resolve("pages.db");
    int commits = 300;
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      List<PageId> pages = pager.allocBulk(2 * commits);
      Set<Long> freed = new HashSet<>();
      Set<Long> heads = new HashSet<>();
      Snapshot held = pager.snapshot();
      for (int i = 0; i < commits; i++) {
        // Every other page: each commit's user free is a run of its own.
        PageId page = pages.get(2 * i);
        pager.free(page);
        freed.add(page.index());
        heads.add(activeRecord(file).pendingListHead());
      }
      PendingPages pending = pager.pendingPages();
      assertThat(pending.pending()).isGreaterThanOrEqualTo(commits);
      int inlineCapacity = MetadataRecord.inlineRunCapacity(PagerOptions.DEFAULT_PAGE_SIZE);
      // Each commit lists its user page and the nodes it replaced: at most a few runs.
      assertThat(heads.size()).as("chain heads written in %d commits", commits).isLessThanOrEqualTo(3 * commits / inlineCapacity + 2);
      assertThat(pending.listPages()).isBetween(1L, (long) heads.size());
      Set<Long> listed = new HashSet<>();
      for (PendingList.Run run : listOf(file).pendingRuns()) {
        for (long page = run.first(); page < run.first() + run.length(); page++) {
          listed.add(page);
        }
      }
      assertThat(listed).containsAll(freed);
      assertThat(pager.verify().problems()).isEmpty();

      held.close();
      pager.free(pages.get(1));
      assertThat(pager.pendingPages().listPages()).as("chain pages after the snapshot closed").isZero();
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  /**
   * A chain page can hold runs of several commits, and is kept while one of them is pending; the
   * record says which of its runs the reuse rule has released since, and those pages may be in use
   * again. A reopen must not take them for pending pages.
   */
  @Test
  void releasedRunsThatAChainPageKeepsAreNotPendingAfterAReopen() throws IOException {
    Path file = dir.resolve("pages.db");
    PagerOptions options = PagerOptions.defaults().withPageSize(1024);
    int inlineCapacity = MetadataRecord.inlineRunCapacity(1024);
    int perCommit = inlineCapacity / 3 + 1;
    Set<Long> freedFirst = new HashSet<>();
    Set<Long> reused = new HashSet<>();
    try (Pager pager = Pager.create(file, options)) {
      List<PageId> pages = pager.allocBulk(20 * perCommit);
      Snapshot oldest = pager.snapshot();
      // First commit: scattered frees, held by the oldest snapshot, inline.
      pager.freeBulk(everyOther(pages, 0, perCommit));
      everyOther(pages, 0, perCommit).forEach(id -> freedFirst.add(id.index()));
      Snapshot second = pager.snapshot();
      // Two more: the third outgrows the record, so the first two spill into one chain page.
      pager.freeBulk(everyOther(pages, 2 * perCommit, perCommit));
      pager.freeBulk(everyOther(pages, 4 * perCommit, perCommit));
      assertThat(pager.pendingPages().listPages()).isEqualTo(1);
      // The oldest snapshot goes: the first commit's pages are released, the second's stay held
      // by the second snapshot, so the chain page stays, naming both.
      oldest.close();
      pager.free(pages.get(6 * perCommit));
      try (Transaction tx = pager.begin()) {
        tx.allocBulk(3 * perCommit).forEach(id -> reused.add(id.index()));
        tx.commit();
      }
      assertThat(reused).as("pages the first commit freed, in use again").containsAnyElementsOf(freedFirst);
      assertThat(pager.pendingPages().listPages()).isEqualTo(1);
      assertThat(pager.verify().problems()).isEmpty();
      second.close();
    }
    PendingList.Contents list = listOf(file);
    assertThat(list.allRuns().stream().map(PendingList.Run::freedBy).distinct().count())
        .as("generations the chain names").isGreaterThan(list.pendingRuns().stream().map(PendingList.Run::freedBy).distinct().count());
    Set<Long> stillPending = new HashSet<>();
    for (PendingList.Run run : list.pendingRuns()) {
      for (long page = run.first(); page < run.first() + run.length(); page++) {
        stillPending.add(page);
      }
    }
    assertThat(stillPending).doesNotContainAnyElementsOf(reused);
    try (Pager pager = Pager.open(file, options)) {
      // verify() checks that every page the list calls pending is free.
      assertThat(pager.verify().problems()).isEmpty();
      assertThat(pager.pendingPages().pending()).isEqualTo(stillPending.size());
      for (long page : reused) {
        assertThat(pager.isAllocated(pager.pageId(page))).isTrue();
      }
    }
  }

  /**
   * A chain page whose runs are all released tells no record anything, so no record may keep it:
   * the next commit cuts it even when it frees nothing else. Kept, both records shared it, and one
   * damaged byte on it left no usable record (found in review: open checks every chain page).
   */
  @Test
  void aChainPageWithOnlyReleasedRunsIsCutByTheNextCommitEvenOneThatFreesNothing() throws IOException {
    Path file = dir.resolve("pages.db");
    PagerOptions options = PagerOptions.defaults().withPageSize(1024);
    long chainPage;
    long generation;
    try (Pager pager = Pager.create(file, options)) {
      List<PageId> pages = pager.allocBulk(400);
      try (Snapshot held = pager.snapshot()) {
        // Scattered frees held by the snapshot: they outgrow the record and spill into the chain.
        for (int round = 0; round < 4; round++) {
          List<PageId> free = new ArrayList<>();
          for (int i = round; i < 200; i += 8) {
            free.add(pages.get(i));
          }
          pager.freeBulk(free);
        }
        assertThat(held.generation()).isLessThan(pager.generation());
        assertThat(pager.pendingPages().listPages()).isPositive();
      }
      chainPage = activeRecord(file).pendingListHead();
      // Two commits that free nothing but a root value.
      for (int i = 0; i < 2; i++) {
        try (Transaction tx = pager.begin()) {
          tx.setRoot(3, i + 1);
          tx.commit();
        }
      }
      generation = pager.generation();
      assertThat(pager.pendingPages().listPages()).as("chain pages after the cut").isZero();
      assertThat(pager.verify().problems()).isEmpty();
    }
    PageFileInspection inspection = PageFileInspection.inspect(file);
    assertThat(inspection.copy((int) Format.METADATA_A_PAGE).pendingListHead()).isZero();
    assertThat(inspection.copy((int) Format.METADATA_B_PAGE).pendingListHead()).isZero();

    // One flipped byte in the old chain page: no record names it any more.
    SnapshotCopyTest.flipByte(file, chainPage * 1024 + Format.PL_RUNS + Format.RUN_FIRST);
    try (Pager pager = Pager.open(file, options)) {
      assertThat(pager.generation()).isEqualTo(generation);
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  @Test
  void aFlippedInlineRunMakesItsRecordFailItsChecksum() throws IOException {
    Path file = dir.resolve("pages.db");
    long before;
    PageId freed;
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      List<PageId> pages = pager.allocBulk(10);
      before = pager.generation();
      freed = pages.get(3);
      pager.free(freed);
    }
    PageFileInspection written = PageFileInspection.inspect(file);
    int slot = written.activeSlot();
    SnapshotCopyTest.flipByte(file, (long) slot * PagerOptions.DEFAULT_PAGE_SIZE + Format.MD_INLINE_RUNS + Format.RUN_FIRST);
    assertThat(PageFileInspection.inspect(file).copy(slot).problem()).contains("checksum");
    try (Pager pager = Pager.open(file)) {
      assertThat(pager.generation()).isEqualTo(before);
      assertThat(pager.isAllocated(pager.pageId(freed.index()))).isTrue();
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  /** Pages {@code from}, {@code from + 2}, ...: {@code count} of them, none next to another. */
  static List<PageId> everyOther(List<PageId> pages, int from, int count) {
    List<PageId> picked = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      picked.add(pages.get(from + 2 * i));
    }
    return picked;
  }

  private static PageFileInspection.MetadataCopy activeRecord(Path file) throws IOException {
    PageFileInspection inspection = PageFileInspection.inspect(file);
    return inspection.copy(inspection.activeSlot());
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
          MetadataRecord.decode(MetadataRecord.copyOf(reader.page(inspection.activeSlot()), "test", inspection.activeSlot()), pageSize);
      List<PendingList.ChainPage> chain = new ArrayList<>();
      assertThat(PendingList.read(reader, record, chain, "test")).isNull();
      return new PendingList.Contents(record.pendingList, chain);
    }
  }
}
