package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.storage.FileStorage;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node-page set behaves as a set through growth, removals (tombstones) and rebuilds. */
class TreeNodePagesTest {

  @TempDir Path dir;

  @Test
  void agreesWithAHashSetThroughManyCommitsOfMoves() throws java.io.IOException {
    long seed = Long.getLong("pager.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    TreeNodePages pages = TreeNodePages.of(emptyTree(), java.util.List.of());
    Set<Long> model = new HashSet<>();
    for (int commit = 0; commit < 2_000; commit++) {
      Set<Long> added = new HashSet<>();
      Set<Long> removed = new HashSet<>();
      for (int i = random.nextInt(6); i > 0; i--) {
        long page = random.nextLong(3, 5_000);
        if (!model.contains(page)) {
          added.add(page);
        }
      }
      for (Long page : model) {
        if (random.nextInt(4) == 0 && !added.contains(page)) {
          removed.add(page);
        }
      }
      pages.apply(added, removed);
      model.addAll(added);
      model.removeAll(removed);
      assertThat(pages.size()).as("seed %d, commit %d", seed, commit).isEqualTo(model.size());
    }
    assertThat(pages.toSet()).as("seed %d", seed).isEqualTo(model);
    for (long page = 0; page < 5_000; page++) {
      assertThat(pages.contains(page)).as("seed %d, page %d", seed, page).isEqualTo(model.contains(page));
    }
  }

  /** A tree with no node yet: collecting its node pages reads nothing. */
  private CopyOnWriteTree emptyTree() throws java.io.IOException {
    MappedFile file = new MappedFile(FileStorage.createNew(dir.resolve("empty.db")), 1024);
    return new CopyOnWriteTree(file, TreeGeometry.of(1024), new NodeCache(), 0, 0, 1);
  }
}
