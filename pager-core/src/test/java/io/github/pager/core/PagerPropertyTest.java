package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random sequences of alloc, free, bulk, run, transaction, root and reopen operations, checked
 * after each step against a plain in-memory model.
 *
 * <p>Each case prints its seed when it fails; run one again with {@code -Dpager.seed=SEED}.
 * {@code -Dpager.soak=true} runs many more and longer cases.
 */
class PagerPropertyTest {
  private static final boolean SOAK = Boolean.getBoolean("pager.soak");

  @TempDir Path dir;

  @Test
  void randomOperationsMatchTheModel() throws Exception {
    String fixed = System.getProperty("pager.seed");
    if (fixed != null) {
      runCase(Long.parseLong(fixed), SOAK ? 5000 : 1500);
      return;
    }
    SplittableRandom seeds = new SplittableRandom(System.nanoTime());
    int cases = SOAK ? 200 : 12;
    for (int i = 0; i < cases; i++) {
      runCase(seeds.nextLong(), SOAK ? 3000 : 400);
    }
  }

  private void runCase(long seed, int steps) throws Exception {
    try {
      new Case(seed, dir.resolve("case-" + Long.toHexString(seed) + ".db")).run(steps);
    } catch (AssertionError | Exception e) {
      throw new AssertionError("failed with seed " + seed + " (replay: -Dpager.seed=" + seed + ")", e);
    }
  }

  /** One random run: a pager, the model it must match, and the random source driving both. */
  private static final class Case {
    private final SplittableRandom random;
    private final Path path;
    private final PagerOptions options;

    /** Allocated page index to the stamp written into its first 8 bytes. */
    private final TreeMap<Long, Long> model = new TreeMap<>();

    private final long[] roots = new long[Transaction.ROOT_SLOTS];
    private long nextStamp = 1;
    private Pager pager;

    Case(long seed, Path path) throws IOException {
      this.random = new SplittableRandom(seed);
      this.path = path;
      int pageSize = 1 << (10 + random.nextInt(3));
      Durability durability = random.nextBoolean() ? Durability.SYNC : Durability.NONE;
      this.options =
          PagerOptions.defaults()
              .withPageSize(pageSize)
              .withDurability(durability)
              .withSparse(true)
              .withInitialPageCount(4 + random.nextInt(60));
      this.pager = Pager.create(path, options);
    }

    void run(int steps) throws IOException {
      try {
        for (int step = 0; step < steps; step++) {
          step();
          if (step % 25 == 0) {
            checkAll();
          }
        }
        reopen();
        checkAll();
      } finally {
        pager.close();
      }
    }

    private void step() throws IOException {
      int choice = random.nextInt(100);
      if (choice < 30) {
        stamp(pager.alloc());
      } else if (choice < 40) {
        pager.allocBulk(random.nextInt(20)).forEach(this::stamp);
      } else if (choice < 43) {
        long count = 1L + random.nextInt(random.nextInt(10) == 0 ? 9000 : 40);
        PageId first = pager.allocRun(count);
        for (long i = 0; i < count; i++) {
          assertThat(model).doesNotContainKey(first.index() + i);
          model.put(first.index() + i, 0L);
        }
      } else if (choice < 60) {
        if (!model.isEmpty()) {
          long victim = randomAllocated();
          pager.free(pager.pageId(victim));
          model.remove(victim);
        }
      } else if (choice < 68) {
        List<PageId> victims = new ArrayList<>();
        for (int i = random.nextInt(1 + Math.min(30, model.size())); i > 0; i--) {
          PageId id = pager.pageId(randomAllocated());
          if (!victims.contains(id)) {
            victims.add(id);
          }
        }
        if (!victims.isEmpty() && random.nextInt(4) == 0) {
          // A bad id among good ones: nothing may change.
          victims.add(victims.get(0));
          long generation = pager.generation();
          assertThatThrownBy(() -> pager.freeBulk(victims)).isInstanceOf(DoubleFreeException.class);
          assertThat(pager.generation()).isEqualTo(generation);
          return;
        }
        pager.freeBulk(victims);
        victims.forEach(id -> model.remove(id.index()));
      } else if (choice < 88) {
        transaction();
      } else if (choice < 92) {
        reopen();
      } else if (choice < 96) {
        if (!model.isEmpty()) {
          long victim = randomAllocated();
          pager.free(pager.pageId(victim));
          model.remove(victim);
          // Freeing it again is refused, and refused again after more commits.
          assertThatThrownBy(() -> pager.free(pager.pageId(victim))).isInstanceOf(DoubleFreeException.class);
        }
      } else {
        assertThat(pager.verify().problems()).isEmpty();
      }
    }

    private void transaction() throws IOException {
      boolean commit = random.nextInt(4) != 0;
      TreeMap<Long, Long> staged = new TreeMap<>(model);
      long[] stagedRoots = roots.clone();
      List<Long> allocatedHere = new ArrayList<>();
      try (Transaction tx = pager.begin()) {
        for (int i = random.nextInt(8); i >= 0; i--) {
          int op = random.nextInt(4);
          if (op == 0) {
            PageId id = tx.alloc();
            assertThat(staged).doesNotContainKey(id.index());
            staged.put(id.index(), 0L);
            allocatedHere.add(id.index());
          } else if (op == 1 && !staged.isEmpty()) {
            long victim = randomKey(staged);
            tx.free(pager.pageId(victim));
            staged.remove(victim);
          } else if (op == 2) {
            int slot = random.nextInt(Transaction.ROOT_SLOTS);
            long value = random.nextLong();
            tx.setRoot(slot, value);
            stagedRoots[slot] = value;
          } else {
            for (PageId id : tx.allocBulk(random.nextInt(5))) {
              staged.put(id.index(), 0L);
              allocatedHere.add(id.index());
            }
          }
        }
        if (commit) {
          tx.commit();
          model.clear();
          model.putAll(staged);
          System.arraycopy(stagedRoots, 0, roots, 0, roots.length);
          for (long index : allocatedHere) {
            if (model.remove(index) != null) {
              stamp(pager.pageId(index));
            }
          }
        }
      }
    }

    private void stamp(PageId id) {
      assertThat(model).doesNotContainKey(id.index());
      long value = nextStamp++;
      pager.page(id).putLong(0, value);
      model.put(id.index(), value);
    }

    private void reopen() throws IOException {
      pager.close();
      pager = Pager.open(path, options.withPageSize(options.pageSize()));
    }

    private void checkAll() throws IOException {
      List<Long> actual = pager.allocatedPages().stream().map(PageId::index).toList();
      assertThat(actual).containsExactlyElementsOf(model.keySet());
      for (var entry : model.entrySet()) {
        if (entry.getValue() != 0) {
          assertThat(pager.page(pager.pageId(entry.getKey())).getLong(0))
              .as("content of page %d", entry.getKey())
              .isEqualTo(entry.getValue());
        }
      }
      for (int slot = 0; slot < roots.length; slot++) {
        assertThat(pager.root(slot)).isEqualTo(roots[slot]);
      }
      TreeReport report = pager.verify();
      assertThat(report.problems()).isEmpty();
      assertThat(report.pageCount() - Format.FIRST_DATA_PAGE - report.treeNodeCount() - report.pendingListPageCount()
              - model.size())
          .as("free count: every page is reserved, a tree node, a pending list page, allocated or free")
          .isEqualTo(pager.freePageCount());
      assertThat(Arrays.stream(roots).count()).isEqualTo(Transaction.ROOT_SLOTS);
    }

    private long randomAllocated() {
      return randomKey(model);
    }

    private long randomKey(java.util.NavigableMap<Long, Long> map) {
      long pivot = map.firstKey() + random.nextLong(map.lastKey() - map.firstKey() + 1);
      Long key = map.ceilingKey(pivot);
      return key != null ? key : map.firstKey();
    }
  }
}
