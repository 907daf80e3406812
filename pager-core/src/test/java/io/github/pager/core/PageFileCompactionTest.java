package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PageFileCompaction} of the pager's own pages and a structure's nodes on a real file, and
 * its refusals: another writer, or a registered reader, in this process. (Readers and writers in
 * other processes: {@code CompactionRefusalTest} in the test kit and the CLI's tests.)
 */
class PageFileCompactionTest {
  private static final int BITMAP_SLOT = 4;

  /** FORMAT.md: the metadata record's free count, which its CRC covers. */
  private static final int MD_FREE_COUNT = 24;

  /** Bits set in the bitmap: far apart, so that it has several leaves. */
  private static final long[] BITS = {0, 5, 40_000, 1_000_000};

  @TempDir Path dir;
  private Path file;

  /** User page index to its first word, as written. */
  private SortedMap<Long, Long> userPages;

  /**
   * 300 user pages, then a bitmap whose nodes land past them, then every user page freed but the
   * first 40 and one in the middle: the free-space tree's node, placed while every page below it was
   * in use or pending, lands past everything.
   */
  @BeforeEach
  void fragmentedFile() throws IOException {
    file = dir.resolve("fragmented.pages");
    userPages = new TreeMap<>();
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      List<PageId> pages = pager.allocBulk(300);
      for (PageId id : pages) {
        pager.page(id).putLong(0, id.index() * 977);
      }
      try (Transaction tx = pager.begin()) {
        PersistentBitmap bitmap = tx.bitmap(BITMAP_SLOT);
        for (long bit : BITS) {
          bitmap.set(bit);
        }
        tx.commit();
      }
      List<PageId> freed = new ArrayList<>(pages.subList(40, 300));
      PageId middle = freed.remove(77);
      try (Transaction tx = pager.begin()) {
        // Holes left low by earlier commits are filled and freed with the rest: all pending at this
        // commit, so the tree's node goes past everything.
        for (PageId filler = tx.alloc(); ; filler = tx.alloc()) {
          freed.add(filler);
          if (filler.index() > middle.index()) {
            break;
          }
        }
        tx.freeBulk(freed);
        tx.commit();
      }
      for (PageId id : pages.subList(0, 40)) {
        userPages.put(id.index(), id.index() * 977);
      }
      userPages.put(middle.index(), middle.index() * 977);
      long lastUser = userPages.lastKey();
      assertThat(pager.readBitmap(BITMAP_SLOT).nodePages()).hasSizeGreaterThan(1).allMatch(page -> page > lastUser);
      assertThat(pager.ownPages()).isNotEmpty().allMatch(page -> page > lastUser);
    }
  }

  @Test
  void movesTheTreeAndTheBitmapBelowTheLastUserPageAndCutsTheTail() throws IOException {
    long bytesBefore = Files.size(file);

    CompactionReport report = PageFileCompaction.compact(file, pager -> List.of(
        StructureRelocator.bitmap(pager, BITMAP_SLOT, "the test's bitmap")));

    long lastUser = userPages.lastKey();
    assertThat(report.bytesBefore()).isEqualTo(bytesBefore);
    assertThat(report.pageCountAfter()).isEqualTo(lastUser + 1);
    assertThat(Files.size(file)).isEqualTo(report.bytesAfter()).isEqualTo((lastUser + 1) * 4096);
    assertThat(report.truncated()).isTrue();
    assertThat(report.moved().get("the test's bitmap")).isGreaterThan(1);
    assertThat(report.moved().get("free-space tree nodes")).isPositive();
    assertThat(report.lastPageOwner()).isEqualTo(CompactionReport.USER_PAGE);
    try (Pager pager = Pager.open(file)) {
      assertThat(pager.verify().problems()).isEmpty();
      PersistentBitmap bitmap = pager.readBitmap(BITMAP_SLOT);
      assertThat(bitmap.verify()).isEmpty();
      List<Long> bits = new ArrayList<>();
      for (long bit = bitmap.nextSet(0); bit >= 0; bit = bitmap.nextSet(bit + 1)) {
        bits.add(bit);
      }
      assertThat(bits).containsExactly(0L, 5L, 40_000L, 1_000_000L);
      SortedMap<Long, Long> found = new TreeMap<>();
      List<Long> bitmapNodes = new ArrayList<>(bitmap.nodePages());
      for (PageId id : pager.allocatedPages()) {
        if (!bitmapNodes.contains(id.index())) {
          found.put(id.index(), pager.page(id).getLong(0));
        }
      }
      assertThat(found).as("every user page, under its index, with its bytes, and nothing else").isEqualTo(userPages);
    }
  }

  @Test
  void theAlternateMetadataCopyStillOpensAfterTheCut() throws IOException {
    long generation;
    CompactionReport report = PageFileCompaction.compact(file, PageFileCompaction.Layers.NONE);
    try (Pager pager = Pager.open(file, PagerOptions.defaults().withReadOnly(true))) {
      generation = pager.generation();
    }
    // Damage the newest record (its free count, which its CRC covers): open falls back to the
    // alternate, which must count no page the cut took.
    int newest = PageFileInspection.inspect(file).activeSlot();
    try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      channel.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) 0xFF}), newest * 4096L + MD_FREE_COUNT);
    }
    try (Pager pager = Pager.open(file, PagerOptions.defaults().withReadOnly(true))) {
      assertThat(pager.generation()).isEqualTo(generation - 1);
      assertThat(pager.pageCount()).isEqualTo(report.pageCountAfter());
      assertThat(pager.verify().problems()).isEmpty();
      for (var page : userPages.entrySet()) {
        assertThat(pager.page(page.getKey()).getLong(0)).isEqualTo(page.getValue());
      }
    }
  }

  @Test
  void withoutARelocatorTheBitmapsNodesStayAndTheFileEndsAfterThem() throws IOException {
    long highestNode;
    try (Pager pager = Pager.open(file)) {
      highestNode = pager.readBitmap(BITMAP_SLOT).nodePages().stream().mapToLong(Long::longValue).max().orElseThrow();
    }
    CompactionReport report = PageFileCompaction.compact(file, PageFileCompaction.Layers.NONE);
    assertThat(report.lastPage()).isEqualTo(highestNode);
    assertThat(report.pageCountAfter()).isEqualTo(highestNode + 1);
    try (Pager pager = Pager.open(file)) {
      assertThat(pager.verify().problems()).isEmpty();
      assertThat(pager.readBitmap(BITMAP_SLOT).verify()).isEmpty();
    }
  }

  @Test
  void refusesWhileAnotherPagerWritesTheFile() throws IOException {
    try (Pager writer = Pager.open(file)) {
      byte[] before = Files.readAllBytes(file);
      assertThatThrownBy(() -> PageFileCompaction.compact(file, PageFileCompaction.Layers.NONE))
          .isInstanceOf(PageFileLockedException.class)
          .hasMessageContaining(file.toString());
      assertThat(Files.readAllBytes(file)).isEqualTo(before);
      assertThat(writer.verify().problems()).isEmpty();
    }
  }

  @Test
  void refusesWhileARegisteredReaderReadsTheFileAndCompactsOnceItCloses() throws IOException {
    byte[] before = Files.readAllBytes(file);
    try (Pager reader = Pager.open(file, PagerOptions.defaults().withReadOnly(true))) {
      assertThat(reader.isRegisteredReader()).isTrue();
      assertThatThrownBy(() -> PageFileCompaction.compact(file, PageFileCompaction.Layers.NONE))
          .isInstanceOf(CompactionRefusedException.class)
          .hasMessageContaining("1 registered reader(s) read generation " + reader.generation());
      assertThat(Files.readAllBytes(file)).isEqualTo(before);
      assertThat(reader.allocatedPages()).hasSize(userPages.size() + reader.readBitmap(BITMAP_SLOT).nodePages().size());
    }
    assertThat(PageFileCompaction.compact(file, PageFileCompaction.Layers.NONE).truncated()).isTrue();
  }

  /**
   * A reader that opens while compaction holds the reader table is refused naming compaction, not
   * a full table; once compaction is done, it registers. (The same in another process:
   * {@code CompactionRefusalTest} in the test kit.)
   */
  @Test
  void aReaderThatOpensDuringCompactionIsToldThatCompactionRuns() throws IOException {
    List<Throwable> refused = new ArrayList<>();
    PageFileCompaction.compact(file, pager -> {
      try (Pager reader = Pager.open(file, PagerOptions.defaults().withReadOnly(true))) {
        throw new AssertionError("a reader registered during compaction: " + reader);
      } catch (ReaderTableFullException e) {
        refused.add(e);
      }
      return List.of();
    });
    assertThat(refused).singleElement()
        .isInstanceOf(CompactionInProgressException.class)
        .satisfies(e -> assertThat(e.getMessage())
            .contains(file.toString())
            .contains("compaction")
            .doesNotContain("read-only pagers open already"));
    try (Pager reader = Pager.open(file, PagerOptions.defaults().withReadOnly(true))) {
      assertThat(reader.isRegisteredReader()).isTrue();
    }
  }

  @Test
  void aFileLongerThanItsPageCountOpensAndCompactionCutsItToThePageCount() throws IOException {
    // What a crash between compaction's last commit and its cut leaves: records of the smaller
    // count in a longer file.
    PageFileCompaction.compact(file, PageFileCompaction.Layers.NONE);
    long compacted = Files.size(file);
    try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      channel.write(java.nio.ByteBuffer.wrap(new byte[] {0}), compacted + 10 * 4096L - 1);
    }
    try (Pager pager = Pager.open(file)) {
      assertThat(pager.verify().problems()).isEmpty();
      assertThat(pager.pageCount() * 4096).isEqualTo(compacted);
    }
    CompactionReport report = PageFileCompaction.compact(file, PageFileCompaction.Layers.NONE);
    assertThat(report.bytesAfter()).isEqualTo(compacted);
    assertThat(report.commits()).as("both records count the pages already").isZero();
  }
}
