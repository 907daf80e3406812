package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.CommitLayout.NodePosition;
import io.github.pager.core.CommitLayout.PendingRun;
import io.github.pager.core.CommitLayout.Structure;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommitLayoutTest {
  @TempDir Path dir;

  private Path file;
  private List<Long> freed;

  /** Ten user pages, three of them freed by the last commit, a bitmap at slot 4, an array at slot 10. */
  @BeforeEach
  void build() throws IOException {
    file = dir.resolve("layout.pages");
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      List<PageId> pages = pager.allocBulk(10);
      try (Transaction tx = pager.begin()) {
        PersistentBitmap bitmap = tx.bitmap(4);
        bitmap.set(0);
        bitmap.set(1L << 20); // another leaf, under a root of height 2
        tx.array(10, 32).set(5, new long[] {1, 2, 3, 4});
        // Root values that are no structure: a user page and a value that is no checksum of it.
        tx.setRoot(20, pages.get(0).index());
        tx.setRoot(21, 12345);
        tx.commit();
      }
      freed = List.of(pages.get(2).index(), pages.get(3).index(), pages.get(7).index());
      pager.freeBulk(List.of(pages.get(2), pages.get(3), pages.get(7)));
    }
  }

  @Test
  void findsTheFreeSpaceTreeItsNodesAndTheirPlaces() throws IOException {
    try (Pager pager = Pager.open(file, PagerOptions.defaults().withReadOnly(true));
        Snapshot snapshot = pager.snapshot()) {
      CommitLayout layout = CommitLayout.of(snapshot);
      PageFileInspection inspection = PageFileInspection.inspect(file);
      long root = inspection.copy(inspection.activeSlot()).treeRoot();
      assertThat(layout.generation()).isEqualTo(pager.generation());
      assertThat(layout.pageCount()).isEqualTo(pager.pageCount());
      assertThat(layout.pageSize()).isEqualTo(4096);
      assertThat(layout.freeSpaceTree().height()).isEqualTo(1);
      assertThat(layout.freeSpaceTree().nodes()).isEqualTo(1);
      assertThat(layout.freeSpaceTreeNodes()).containsExactly(Map.entry(root, new NodePosition(0, 0)));
      CommitLayout.TreeLevel leaves = layout.freeSpaceTree().levels().getFirst();
      assertThat(leaves.slots()).isEqualTo(TreeGeometry.of(4096).leafSlots());
      assertThat(leaves.usedSlots()).isEqualTo(pager.pageCount() - pager.freePageCount());
      assertThat(leaves.fill()).isEqualTo((double) leaves.usedSlots() / leaves.slots());
      assertThat(layout.pendingListPages()).isEmpty();
    }
  }

  @Test
  void listsThePendingRunsOfTheLastCommitAsFree() throws IOException {
    try (Pager pager = Pager.open(file, PagerOptions.defaults().withReadOnly(true));
        Snapshot snapshot = pager.snapshot()) {
      CommitLayout layout = CommitLayout.of(snapshot);
      Set<Long> pending = new HashSet<>();
      for (PendingRun run : layout.pendingRuns()) {
        assertThat(run.freedBy()).isEqualTo(pager.generation());
        for (long page = run.first(); page < run.first() + run.length(); page++) {
          pending.add(page);
          assertThat(layout.isFree(page)).as("pending page %d", page).isTrue();
        }
      }
      // The user's three, and the tree leaf the commit replaced.
      assertThat(pending).containsAll(freed).hasSize(4);
      assertThat((long) pending.size()).isEqualTo(pager.pendingPages().pending());
    }
  }

  @Test
  void findsEveryStructureUnderRootValuesWithItsNodesAndFill() throws IOException {
    try (Pager pager = Pager.open(file, PagerOptions.defaults().withReadOnly(true));
        Snapshot snapshot = pager.snapshot()) {
      CommitLayout layout = CommitLayout.of(snapshot);
      assertThat(layout.structures()).extracting(Structure::slot).containsExactly(4, 10);

      Structure bitmap = layout.structures().get(0);
      assertThat(bitmap.isBitmap()).isTrue();
      assertThat(bitmap.shape().height()).isEqualTo(2);
      assertThat(bitmap.nodes().keySet()).isEqualTo(pager.readBitmap(4).nodePages());
      assertThat(bitmap.nodes().values())
          .containsExactlyInAnyOrder(new NodePosition(1, 0), new NodePosition(0, 0), new NodePosition(0, (1L << 20) / 32640));
      assertThat(bitmap.shape().levels()).extracting(CommitLayout.TreeLevel::nodes).containsExactly(2L, 1L);
      assertThat(bitmap.shape().levels()).extracting(CommitLayout.TreeLevel::usedSlots).containsExactly(2L, 2L);
      assertThat(bitmap.shape().levels().get(1).slots()).isEqualTo(TreeGeometry.of(4096).fanout());
      assertThat(bitmap.shape().fill())
          .isEqualTo(4.0 / (2 * TreeGeometry.of(4096).leafSlots() + TreeGeometry.of(4096).fanout()));

      Structure array = layout.structures().get(1);
      assertThat(array.isBitmap()).isFalse();
      assertThat(array.shape().recordSize()).isEqualTo(32);
      assertThat(array.nodes().keySet()).isEqualTo(pager.readArray(10, 32).nodePages());
      assertThat(array.shape().levels().getFirst().usedSlots()).isEqualTo(1);
      assertThat(array.shape().levels().getFirst().slots()).isEqualTo((4096 - 16) / 32);
    }
  }

  @Test
  void freeRunsAreMaximalAndCoverEveryFreePage() throws IOException {
    try (Pager pager = Pager.open(file, PagerOptions.defaults().withReadOnly(true));
        Snapshot snapshot = pager.snapshot()) {
      CommitLayout layout = CommitLayout.of(snapshot);
      List<long[]> runs = new ArrayList<>();
      layout.forEachFreeRun(0, Long.MAX_VALUE, (first, length) -> runs.add(new long[] {first, length}));
      long total = 0;
      long previousEnd = -1;
      for (long[] run : runs) {
        assertThat(run[0]).isGreaterThan(previousEnd); // increasing, and never touching the last
        assertThat(layout.isFree(run[0] - 1)).isFalse();
        for (long page = run[0]; page < run[0] + run[1]; page++) {
          assertThat(layout.isFree(page)).isTrue();
        }
        long end = run[0] + run[1];
        assertThat(end == layout.pageCount() || !layout.isFree(end)).isTrue();
        previousEnd = end;
        total += run[1];
      }
      assertThat(total).isEqualTo(pager.freePageCount());

      // A range cuts the runs at its ends.
      long[] first = runs.getFirst();
      List<long[]> cut = new ArrayList<>();
      layout.forEachFreeRun(first[0] + 1, first[0] + 2, (start, length) -> cut.add(new long[] {start, length}));
      assertThat(cut).hasSize(1);
      assertThat(cut.getFirst()).containsExactly(first[0] + 1, 1);
    }
  }

  @Test
  void refusesPagesOutsideTheFileAndAClosedSnapshot() throws IOException {
    try (Pager pager = Pager.open(file, PagerOptions.defaults().withReadOnly(true))) {
      Snapshot snapshot = pager.snapshot();
      CommitLayout layout = CommitLayout.of(snapshot);
      assertThatThrownBy(() -> layout.isFree(layout.pageCount()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("outside [0, " + layout.pageCount() + ")");
      assertThatThrownBy(() -> layout.forEachFreeRun(-1, 5, (first, length) -> {}))
          .isInstanceOf(IllegalArgumentException.class);
      snapshot.close();
      assertThatThrownBy(() -> layout.isFree(3)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
      assertThatThrownBy(() -> CommitLayout.of(snapshot)).isInstanceOf(IllegalStateException.class);
    }
  }
}
