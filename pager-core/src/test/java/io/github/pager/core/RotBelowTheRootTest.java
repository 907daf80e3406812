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

/**
 * Bit rot in a tree node below the root, on real files: two bits flipped in a leaf, or in an
 * interior node, of the free-space tree, of a {@link PersistentBitmap} and of a {@link
 * PersistentArray}, each of height 2 or 3.
 *
 * <p>Open checks only the root, so the file opens. After that, for each rotten node: (a) the
 * verify that covers the tree reports it (and does not throw); (b) every allocation or read that
 * needs the node throws {@link CorruptMetadataException}, and never hands out or returns what the
 * rotten bits now say; (c) what lies outside the node keeps working, and commits keep the rotten
 * node referenced under its old checksum rather than papering over it.
 *
 * <p>Geometry at 1 KiB pages: a bitmap leaf holds 8,064 bits, an interior node 63 entries, so a
 * level-1 node spans 508,032 bits; a leaf of 32-byte records holds 31 of them, a level-1 node
 * spans 1,953. Files are sparse: only the tree's pages are ever written.
 */
class RotBelowTheRootTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024).withSparse(true);
  private static final TreeGeometry BITMAP = TreeGeometry.of(1024);
  private static final TreeGeometry RECORDS = TreeGeometry.forRecords(1024, 32);
  private static final long LEAF = BITMAP.leafSlots();
  private static final long SUBTREE = BITMAP.span(1);
  private static final int SLOT = 4;

  @TempDir Path dir;

  // ---------------------------------------------------------------------------------------------
  // The free-space tree

  /**
   * Makes a file of {@code pageCount} pages whose user pages fill everything from the tree's own
   * pages up to about {@code fill}, except holes (pages 1000 to 1199 and a page in each leaf),
   * with every node of the free-space tree moved below page {@code nodesBelow}; returns the
   * allocated pages. Allocation then takes the holes first, and needs the part of the tree past
   * {@code nodesBelow} only once they are used up; a commit needs that part only to allocate.
   */
  private Set<Long> fullFile(Path file, long pageCount, long fill, int height, long nodesBelow) throws IOException {
    try (Pager pager = Pager.create(file, OPTIONS)) {
      try (Transaction tx = pager.begin()) {
        tx.ensurePageCount(pageCount);
        tx.commit();
      }
      pager.allocRun(fill);
      List<PageId> holes = new ArrayList<>();
      for (long page = 1000; page < 1200; page++) {
        holes.add(pager.pageId(page));
      }
      pager.freeBulk(holes);
    }
    // Reopened, the holes stay pending until the next commit is durable (the pending list keeps
    // them so): one commit that changes only a root value makes them allocatable. Freeing a page
    // in every leaf then changes every node, and copy-on-write moves each into the lowest free
    // pages: the holes.
    Set<Long> allocated = new HashSet<>();
    try (Pager pager = Pager.open(file, OPTIONS)) {
      try (Transaction tx = pager.begin()) {
        tx.setRoot(0, 1);
        tx.commit();
      }
      try (Transaction tx = pager.begin()) {
        for (long leaf = 0; leaf * LEAF < fill; leaf++) {
          PageId page = pager.pageId(leaf * LEAF + 50);
          if (pager.isAllocated(page)) {
            tx.free(page);
          }
        }
        tx.commit();
      }
      TreeReport report = pager.verify();
      assertThat(report.problems()).isEmpty();
      assertThat(report.treeHeight()).as("free-space tree height").isEqualTo(height);
      pager.forEachAllocated(id -> allocated.add(id.index()));
    }
    assertThat(NodeRot.freeSpaceTree(file).nodePages()).as("free-space tree node pages").allMatch(page -> page < nodesBelow);
    return allocated;
  }

  @Test
  void aRottenLeafHoldingTheNextFreePagesIsReportedAndNeverHandsThemOut() throws IOException {
    Path file = dir.resolve("leaf1.db");
    Set<Long> allocated = fullFile(file, 3 * LEAF, LEAF + 100, 2, LEAF);
    assertThat(allocated).contains(LEAF, LEAF + 1);
    // Pages LEAF and LEAF + 1 are allocated; their bits in leaf 1 now read as free.
    long rotten = NodeRot.freeSpaceTree(file).rotLeafSlot(LEAF);

    try (Pager pager = Pager.open(file, OPTIONS)) {
      assertThat(pager.openedFromAlternate()).isFalse();
      assertReported(pager.verify().problems(), rotten);

      assertCorrupt(() -> pager.isAllocated(pager.pageId(LEAF)), rotten);
      assertCorrupt(pager::allocatedPages, rotten);

      // Outside the rotten leaf: allocation state, page contents, and commits that find the
      // pages they need in leaf 0.
      assertThat(pager.isAllocated(pager.pageId(2000))).isTrue();
      pager.page(pager.pageId(LEAF)).putLong(0, 42);
      pager.free(pager.pageId(2000));
      assertThat(pager.isAllocated(pager.pageId(2000))).isFalse();
      allocated.remove(2000L);

      List<Long> handedOut = allocateUntilCorrupt(pager, rotten);
      assertThat(handedOut).as("pages handed out before the rotten leaf was needed")
          .isNotEmpty()
          .allMatch(page -> page < LEAF && !allocated.contains(page));
      assertReported(pager.verify().problems(), rotten);
    }
    try (Pager pager = Pager.open(file, OPTIONS)) {
      assertThat(pager.page(pager.pageId(LEAF)).getLong(0)).isEqualTo(42);
      assertReported(pager.verify().problems(), rotten);
      assertThat(allocateUntilCorrupt(pager, rotten)).allMatch(page -> page < LEAF);
    }
  }

  @Test
  void aRottenLeafHoldingTheTreesOwnPagesIsReportedNotThrownByVerify() throws IOException {
    Path file = dir.resolve("leaf0.db");
    Set<Long> allocated = fullFile(file, 3 * LEAF, LEAF + 100, 2, LEAF);
    assertThat(allocated).contains(2000L, 2001L);
    // Leaf 0 also holds the bits of the reserved pages and of the tree's own nodes.
    long rotten = NodeRot.freeSpaceTree(file).rotLeafSlot(2000);

    try (Pager pager = Pager.open(file, OPTIONS)) {
      TreeReport report = pager.verify();
      assertReported(report.problems(), rotten);
      assertThat(report.problems()).as("bits under a rotten node are unknown, not clear")
          .noneMatch(problem -> problem.contains("marked free"));

      assertCorrupt(pager::alloc, rotten);
      assertCorrupt(() -> pager.isAllocated(pager.pageId(2000)), rotten);

      assertThat(pager.isAllocated(pager.pageId(LEAF + 5))).isTrue();
      try (Transaction tx = pager.begin()) {
        tx.setRoot(0, 7);
        tx.commit();
      }
      assertThat(pager.root(0)).isEqualTo(7);
    }
    try (Pager pager = Pager.open(file, OPTIONS)) {
      assertThat(pager.root(0)).isEqualTo(7);
      assertReported(pager.verify().problems(), rotten);
    }
  }

  @Test
  void aRottenInteriorNodeOverTheNextFreePagesIsReportedAndNeverHandsThemOut() throws IOException {
    Path file = dir.resolve("interior1.db");
    Set<Long> allocated = fullFile(file, SUBTREE + 2 * LEAF, SUBTREE + 100, 3, SUBTREE);
    assertThat(allocated).contains(SUBTREE, SUBTREE + 5);
    // Node (level 1, index 1) covers pages from SUBTREE on; its first entry now names another page.
    long rotten = NodeRot.freeSpaceTree(file).rotInteriorEntry(1, 1);

    try (Pager pager = Pager.open(file, OPTIONS)) {
      assertReported(pager.verify().problems(), rotten);
      assertCorrupt(() -> pager.isAllocated(pager.pageId(SUBTREE + 5)), rotten);
      List<Long> handedOut = allocateUntilCorrupt(pager, rotten);
      assertThat(handedOut).isNotEmpty().allMatch(page -> page < SUBTREE && !allocated.contains(page));
      assertThat(pager.isAllocated(pager.pageId(2000))).isTrue();
      assertReported(pager.verify().problems(), rotten);
    }
  }

  @Test
  void aRottenInteriorNodeOverTheTreesOwnPagesIsReportedNotThrownByVerify() throws IOException {
    Path file = dir.resolve("interior0.db");
    fullFile(file, SUBTREE + 2 * LEAF, SUBTREE + 100, 3, SUBTREE);
    long rotten = NodeRot.freeSpaceTree(file).rotInteriorEntry(1, 0);

    try (Pager pager = Pager.open(file, OPTIONS)) {
      TreeReport report = pager.verify();
      assertReported(report.problems(), rotten);
      assertThat(report.problems()).noneMatch(problem -> problem.contains("marked free"));
      assertCorrupt(pager::alloc, rotten);
      assertCorrupt(() -> pager.isAllocated(pager.pageId(2000)), rotten);
      assertThat(pager.isAllocated(pager.pageId(SUBTREE + 5))).isTrue();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // A persistent bitmap

  private static final long[] SET_BITS = {5, 9000, 600_000, 600_001, 1_100_000};

  /** A bitmap of height 3 with {@link #SET_BITS}: leaves under three level-1 nodes. */
  private NodeRot bitmapFile(Path file) throws IOException {
    try (Pager pager = Pager.create(file, OPTIONS)) {
      try (Transaction tx = pager.begin()) {
        PersistentBitmap bitmap = tx.bitmap(SLOT);
        for (long bit : SET_BITS) {
          bitmap.set(bit);
        }
        tx.commit();
      }
      NodeRot rot = NodeRot.structure(file, BITMAP, pager.root(SLOT), pager.root(SLOT + 1));
      assertThat(rot.height()).as("bitmap height").isEqualTo(3);
      return rot;
    }
  }

  @Test
  void aRottenBitmapLeafIsReportedAndItsBitsAreNeverReadWrong() throws IOException {
    Path file = dir.resolve("bitmap-leaf.db");
    // Bits 600,000 and 600,001 are set; in the rotten leaf they read as clear.
    long rotten = bitmapFile(file).rotLeafSlot(600_000);

    try (Pager pager = Pager.open(file, OPTIONS)) {
      PersistentBitmap view = pager.readBitmap(SLOT);
      assertReported(view.verify(), rotten);
      assertCorrupt(() -> view.get(600_000), rotten);
      assertCorrupt(() -> view.nextSet(9001), rotten);
      try (Transaction tx = pager.begin()) {
        PersistentBitmap bitmap = tx.bitmap(SLOT);
        assertCorrupt(() -> bitmap.nextClear(600_000), rotten);
        assertCorrupt(() -> bitmap.set(600_002), rotten);
      }

      assertThat(view.get(5)).isTrue();
      assertThat(view.get(9000)).isTrue();
      assertThat(view.get(1_100_000)).isTrue();
      assertThat(view.nextSet(0)).isEqualTo(5);
      assertThat(view.nextSet(6)).isEqualTo(9000);
      try (Transaction tx = pager.begin()) {
        tx.bitmap(SLOT).set(10);
        tx.commit();
      }
    }
    try (Pager pager = Pager.open(file, OPTIONS)) {
      PersistentBitmap view = pager.readBitmap(SLOT);
      assertThat(view.get(10)).isTrue();
      assertReported(view.verify(), rotten);
      assertCorrupt(() -> view.get(600_001), rotten);
    }
  }

  @Test
  void aRottenBitmapInteriorNodeIsReportedAndItsSubtreeIsNeverReadWrong() throws IOException {
    Path file = dir.resolve("bitmap-interior.db");
    long rotten = bitmapFile(file).rotInteriorEntry(1, 1);

    try (Pager pager = Pager.open(file, OPTIONS)) {
      PersistentBitmap view = pager.readBitmap(SLOT);
      assertReported(view.verify(), rotten);
      assertCorrupt(() -> view.get(600_000), rotten);
      assertCorrupt(() -> view.nextSet(SUBTREE), rotten);
      assertThat(view.get(5)).isTrue();
      assertThat(view.get(9000)).isTrue();
      assertThat(view.get(1_100_000)).isTrue();
      assertThat(view.nextSet(2 * SUBTREE)).isEqualTo(1_100_000);
    }
  }

  @Test
  void aRottenBitmapRootIsReportedByVerifyRatherThanThrown() throws IOException {
    // Not below the root, but the same walk: the verify of a structure reports what it cannot read.
    Path file = dir.resolve("bitmap-root.db");
    long rotten = bitmapFile(file).rotRoot();
    try (Pager pager = Pager.open(file, OPTIONS)) {
      PersistentBitmap view = pager.readBitmap(SLOT);
      assertReported(view.verify(), rotten);
      assertCorrupt(() -> view.get(5), rotten);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // A persistent record array

  private static final long[] RECORD_INDEXES = {0, 40, 2000, 2001, 4000};

  private static long[] record(long index) {
    return new long[] {index + 1, ~index, index * 31, 7};
  }

  /** An array of 32-byte records of height 3 with {@link #RECORD_INDEXES}. */
  private NodeRot arrayFile(Path file) throws IOException {
    try (Pager pager = Pager.create(file, OPTIONS)) {
      try (Transaction tx = pager.begin()) {
        PersistentArray array = tx.array(SLOT, 32);
        for (long index : RECORD_INDEXES) {
          array.set(index, record(index));
        }
        tx.commit();
      }
      NodeRot rot = NodeRot.structure(file, RECORDS, pager.root(SLOT), pager.root(SLOT + 1));
      assertThat(rot.height()).as("array height").isEqualTo(3);
      return rot;
    }
  }

  @Test
  void aRottenArrayLeafIsReportedAndItsRecordsAreNeverReadWrong() throws IOException {
    Path file = dir.resolve("array-leaf.db");
    long rotten = arrayFile(file).rotLeafSlot(2000);

    try (Pager pager = Pager.open(file, OPTIONS)) {
      PersistentArray view = pager.readArray(SLOT, 32);
      assertReported(view.verify(), rotten);
      assertCorrupt(() -> view.get(2000), rotten);
      assertCorrupt(() -> view.get(2001), rotten);
      try (Transaction tx = pager.begin()) {
        assertCorrupt(() -> tx.array(SLOT, 32).set(2002, record(2002)), rotten);
      }

      assertThat(view.get(0)).containsExactly(record(0));
      assertThat(view.get(40)).containsExactly(record(40));
      assertThat(view.get(4000)).containsExactly(record(4000));
      try (Transaction tx = pager.begin()) {
        tx.array(SLOT, 32).set(1, record(1));
        tx.commit();
      }
    }
    try (Pager pager = Pager.open(file, OPTIONS)) {
      PersistentArray view = pager.readArray(SLOT, 32);
      assertThat(view.get(1)).containsExactly(record(1));
      assertReported(view.verify(), rotten);
      assertCorrupt(() -> view.get(2000), rotten);
    }
  }

  @Test
  void aRottenArrayInteriorNodeIsReportedAndItsSubtreeIsNeverReadWrong() throws IOException {
    Path file = dir.resolve("array-interior.db");
    long rotten = arrayFile(file).rotInteriorEntry(1, 1);

    try (Pager pager = Pager.open(file, OPTIONS)) {
      PersistentArray view = pager.readArray(SLOT, 32);
      assertReported(view.verify(), rotten);
      assertCorrupt(() -> view.get(2000), rotten);
      assertThat(view.get(40)).containsExactly(record(40));
      assertThat(view.get(4000)).containsExactly(record(4000));
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** Allocates until the rotten node is needed; returns the pages handed out before that. */
  private static List<Long> allocateUntilCorrupt(Pager pager, long rotten) throws IOException {
    List<Long> handedOut = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      PageId id;
      try {
        id = pager.alloc();
      } catch (CorruptMetadataException e) {
        assertThat(e).hasMessageContaining("page " + rotten + " ");
        return handedOut;
      }
      handedOut.add(id.index());
    }
    throw new AssertionError("500 allocations never needed the rotten node at page " + rotten + ": " + handedOut);
  }

  private static void assertReported(List<String> problems, long rotten) {
    assertThat(problems).as("problems reported").anySatisfy(problem ->
        assertThat(problem).contains("page " + rotten + " ").contains("checksum"));
  }

  private static void assertCorrupt(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, long rotten) {
    assertThatThrownBy(call).isInstanceOf(CorruptMetadataException.class).hasMessageContaining("page " + rotten + " ");
  }
}
