package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.pager.core.PageFileInspection;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import io.github.pager.core.UnreadablePageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the pager does when a page of the durable image becomes unreadable (a latent sector error,
 * {@link SimulatedStorage#makeUnreadable}), one test per region of the file: the accesses fault
 * with a real {@code SIGBUS}, which the JVM raises as {@link InternalError}, as on a real file.
 *
 * <p>The file: created (generation 1, record A), then two commits, each allocating a page
 * (generation 2 in record B, generation 3 in record A); the second also sets a bit of a bitmap
 * (root slots 0 and 1) and writes 42 into its page. Then a clean close and a reboot, so nothing
 * is cached.
 */
class LatentReadErrorTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults();
  private static final int PAGE = PagerOptions.DEFAULT_PAGE_SIZE;

  @TempDir static Path dir;

  private static byte[] image;
  private static PageFileInspection.MetadataCopy newest;
  private static PageFileInspection.MetadataCopy older;
  private static long firstPage;
  private static long secondPage;

  @BeforeAll
  static void writeTheFile() throws IOException {
    SimulatedStorage storage = SimulatedStorage.create();
    try (Pager pager = Pager.create(storage, OPTIONS)) {
      firstPage = pager.alloc().index();
      try (Transaction tx = pager.begin()) {
        secondPage = tx.alloc().index();
        tx.bitmap(0).set(5);
        tx.commit();
      }
      pager.page(pager.pageId(secondPage)).putLong(0, 42);
      pager.sync();
      assertThat(pager.generation()).isEqualTo(3);
    }
    image = storage.durableImage();
    Path file = Files.write(dir.resolve("image.pages"), image);
    PageFileInspection inspection = PageFileInspection.inspect(file);
    newest = inspection.copy(1);
    older = inspection.copy(2);
    assertThat(newest.generation()).isEqualTo(3);
    assertThat(older.generation()).isEqualTo(2);
    assertThat(newest.treeRoot()).as("copy on write").isNotEqualTo(older.treeRoot());
  }

  private static SimulatedStorage withUnreadable(long... pages) {
    SimulatedStorage storage = SimulatedStorage.fromImage(image);
    for (long page : pages) {
      storage.makeUnreadable(page * PAGE, PAGE);
    }
    return storage;
  }

  /** Superblock: open recovers the page size from the records, and commits go on without it. */
  @Test
  void anUnreadableSuperblockIsRecoveredFromTheRecords() throws IOException {
    SimulatedStorage storage = withUnreadable(0);
    try (Pager pager = Pager.open(storage, OPTIONS)) {
      assertThat(pager.generation()).isEqualTo(3);
      pager.alloc();
      assertThat(pager.generation()).isEqualTo(4);
      assertThat(pager.verify().problems()).isEmpty();
    }
    try (Pager pager = Pager.open(storage.reboot(), OPTIONS)) {
      assertThat(pager.generation()).isEqualTo(4);
    }
  }

  /**
   * The newest metadata copy: like one that fails its CRC, open takes the other, the commit
   * before. Its next commit must store into the unreadable copy: it fails naming the page, is
   * rolled back, and the pager stays usable for reading.
   */
  @Test
  void anUnreadableNewestRecordOpensAtTheOtherAndRefusesCommitsNamingThePage() throws IOException {
    try (Pager pager = Pager.open(withUnreadable(1), OPTIONS)) {
      assertThat(pager.generation()).isEqualTo(2);
      assertThat(pager.isAllocated(pager.pageId(firstPage))).isTrue();
      UnreadablePageException refused = catchThrowableOfType(UnreadablePageException.class, pager::alloc);
      assertThat(refused.page()).isEqualTo(1);
      assertThat(refused).hasMessageContaining("page 1 (metadata copy A)").hasMessageContaining("simulated");
      assertThat(pager.generation()).isEqualTo(2);
      assertThat(pager.allocatedPages()).containsExactly(pager.pageId(firstPage));
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  /** The older metadata copy: open is unaffected; the next commit, which writes it, is refused. */
  @Test
  void anUnreadableOlderRecordRefusesTheCommitThatWouldOverwriteIt() throws IOException {
    try (Pager pager = Pager.open(withUnreadable(2), OPTIONS)) {
      assertThat(pager.generation()).isEqualTo(3);
      assertThat(pager.page(pager.pageId(secondPage)).getLong(0)).isEqualTo(42);
      assertThat(catchThrowableOfType(UnreadablePageException.class, pager::alloc).page()).isEqualTo(2);
      assertThat(pager.readBitmap(0).get(5)).isTrue();
    }
  }

  @Test
  void bothRecordsUnreadableIsRefusedNamingAPage() {
    UnreadablePageException refused =
        catchThrowableOfType(UnreadablePageException.class, () -> Pager.open(withUnreadable(1, 2), OPTIONS).close());
    assertThat(refused.page()).isEqualTo(1);
    assertThat(refused).hasMessageContaining("no usable metadata").hasMessageContaining("copy B (page 2)");
  }

  /** The newest free-space tree root: like a root that fails its CRC, open falls back, and says so. */
  @Test
  void anUnreadableTreeRootFallsBackToTheCommitBefore() throws IOException {
    try (Pager pager = Pager.open(withUnreadable(newest.treeRoot()), OPTIONS)) {
      assertThat(pager.openedFromAlternate()).isTrue();
      assertThat(pager.generation()).isEqualTo(2);
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  /**
   * A structure's node: reading it fails naming the page; everything that does not need it
   * (user pages, allocation, commits) goes on.
   */
  @Test
  void anUnreadableStructureNodeFailsItsReadsNamingThePageAndTheRestGoesOn() throws IOException {
    long bitmapRoot = newest.roots().get(0);
    assertThat(bitmapRoot).isGreaterThan(2);
    try (Pager pager = Pager.open(withUnreadable(bitmapRoot), OPTIONS)) {
      UnreadablePageException refused =
          catchThrowableOfType(UnreadablePageException.class, () -> pager.readBitmap(0).get(5));
      assertThat(refused.page()).isEqualTo(bitmapRoot);
      assertThat(refused).hasMessageContaining("page " + bitmapRoot + " (tree node) cannot be read");
      assertThat(pager.page(pager.pageId(secondPage)).getLong(0)).isEqualTo(42);
      PageId third = pager.alloc();
      assertThat(pager.generation()).isEqualTo(4);
      assertThat(pager.isAllocated(third)).isTrue();
      assertThatThrownBy(() -> pager.readBitmap(0).get(5)).isInstanceOf(UnreadablePageException.class);
    }
  }

  /**
   * A user page: the pager cannot stand between user code and the mapping, so the access raises
   * the JVM's {@link InternalError}, as on a real file; never the page's old or zeroed bytes.
   * Other pages read as before.
   */
  @Test
  void anUnreadableUserPageFaultsWithTheJvmsErrorAndOtherPagesRead() throws IOException {
    try (Pager pager = Pager.open(withUnreadable(secondPage), OPTIONS)) {
      assertThatThrownBy(() -> pager.page(pager.pageId(secondPage)).getLong(0))
          .isInstanceOf(InternalError.class)
          .hasMessage("a fault occurred in an unsafe memory access operation");
      assertThat(pager.page(pager.pageId(firstPage)).getLong(0)).isZero();
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  @Test
  void theUnreadableRangeOutlivesRestartRebootAndCrash() throws IOException {
    SimulatedStorage storage = withUnreadable(secondPage);
    for (SimulatedStorage next : new SimulatedStorage[] {storage.crash(1), storage.reboot()}) {
      assertThat(next.unreadablePages()).containsExactly(secondPage);
      try (Pager pager = Pager.open(next, OPTIONS)) {
        assertThatThrownBy(() -> pager.page(pager.pageId(secondPage)).getLong(0)).isInstanceOf(InternalError.class);
      }
    }
  }
}
