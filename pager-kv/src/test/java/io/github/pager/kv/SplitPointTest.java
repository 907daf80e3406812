package io.github.pager.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.testkit.CrashExplorer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The argument balance rests on ({@link SplitPoint}'s javadoc): cells of at most a third of a
 * node each, more than a node's worth of them and at most {@code 5/3} of it, can always be cut
 * into two halves that fit, a branch's into halves of two cells or more.
 */
class SplitPointTest {
  private static final long SEED = CrashExplorer.defaultSeed();

  @Test
  void everyRunOfCellsWithinTheLimitsHasACutThatFits() {
    SplittableRandom random = new SplittableRandom(SEED);
    for (int pageSize : new int[] {1024, 4096, 65536}) {
      NodeLayout layout = new NodeLayout(pageSize);
      for (int round = 0; round < 1_000; round++) {
        boolean leaf = random.nextBoolean();
        List<byte[]> cells = cellsOverOneNode(random, layout, leaf);
        int at = SplitPoint.choose(cells, leaf, layout.capacity);
        List<byte[]> left = cells.subList(0, at);
        List<byte[]> right = new ArrayList<>(cells.subList(at, cells.size()));
        if (!leaf) {
          right.set(0, new byte[NodeLayout.BRANCH_KEY_AT]); // its key moves up
        }
        String where = "seed " + SEED + ", page " + pageSize + ", round " + round;
        assertThat(NodeEditor.fill(left)).as(where).isLessThanOrEqualTo(layout.capacity);
        assertThat(NodeEditor.fill(right)).as(where).isLessThanOrEqualTo(layout.capacity);
        assertThat(Math.min(left.size(), right.size())).as(where).isGreaterThanOrEqualTo(leaf ? 1 : 2);
      }
    }
  }

  @Test
  void cellsThatBreakTheLimitsAreRefusedByName() {
    List<byte[]> two = List.of(new byte[900], new byte[900]);
    assertThatThrownBy(() -> SplitPoint.choose(List.of(new byte[1000], new byte[1000], new byte[1000]), true, 1008))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("3 cells of 3006 bytes cannot be cut into two nodes of 1008");
    assertThat(SplitPoint.choose(two, true, 1008)).isEqualTo(1);
  }

  /** Cells of random sizes up to the largest, more than a node's worth, as a split or a rebalance meets them. */
  private static List<byte[]> cellsOverOneNode(SplittableRandom random, NodeLayout layout, boolean leaf) {
    int limit = layout.capacity * 5 / 3;
    int least = leaf ? NodeLayout.LEAF_KEY_AT : NodeLayout.BRANCH_KEY_AT;
    boolean large = random.nextBoolean();
    while (true) {
      List<byte[]> cells = new ArrayList<>();
      int fill = 0;
      int target = layout.capacity + 1 + random.nextInt(limit - layout.capacity);
      while (fill < target) {
        int size = large ? layout.maxCell - random.nextInt(layout.maxCell / 4) : least + random.nextInt(layout.maxCell - least + 1);
        cells.add(new byte[size]);
        fill += size + NodeLayout.SLOT;
      }
      if (fill <= limit) {
        return cells;
      }
    }
  }
}
