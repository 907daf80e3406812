package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PersistentArrayTest {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve("arrays.db");
  }

  @Test
  void recordsCommitWithTheTransactionAndSurviveReopen() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      try (Transaction tx = pager.begin()) {
        PersistentArray array = tx.array(8, 32);
        array.set(0, new long[] {1, 2, 3, 4});
        array.set(1L << 24, new long[] {5, 6, 7, 8});
        tx.commit();
      }
      try (Transaction tx = pager.begin()) {
        tx.array(8, 32).set(0, new long[] {9, 9, 9, 9});
        // rolled back
      }
    }
    try (Pager pager = Pager.open(file())) {
      PersistentArray view = pager.readArray(8, 32);
      assertThat(view.get(0)).containsExactly(1, 2, 3, 4);
      assertThat(view.get(1L << 24)).containsExactly(5, 6, 7, 8);
      assertThat(view.get(77)).containsExactly(0, 0, 0, 0);
      assertThat(view.verify()).isEmpty();
      assertThat(pager.allocatedPages().stream().map(PageId::index).toList())
          .containsExactlyInAnyOrderElementsOf(view.nodePages());
    }
  }

  @Test
  void aSmallArrayVerifiesClean() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      try (Transaction tx = pager.begin()) {
        tx.array(8, 32).set(0, new long[] {1, 2, 3, 4});
        tx.array(10, 8).set(5, new long[] {-1});
        tx.commit();
      }
      assertThat(pager.readArray(8, 32).verify()).isEmpty();
      assertThat(pager.readArray(10, 8).verify()).isEmpty();
    }
  }

  @Test
  void erasingEveryRecordGivesThePagesBack() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      try (Transaction tx = pager.begin()) {
        PersistentArray array = tx.array(0, 16);
        for (long i = 0; i < 1000; i += 7) {
          array.set(i * 1000, new long[] {i, ~i});
        }
        tx.commit();
      }
      assertThat(pager.allocatedPages()).isNotEmpty();
      try (Transaction tx = pager.begin()) {
        PersistentArray array = tx.array(0, 16);
        for (long i = 0; i < 1000; i += 7) {
          array.set(i * 1000, new long[2]);
        }
        tx.commit();
      }
      assertThat(pager.allocatedPages()).isEmpty();
      assertThat(pager.readArray(0, 16).get(7000)).containsExactly(0, 0);
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  @Test
  void aSlotOpenedAsTheWrongKindIsRefused() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      try (Transaction tx = pager.begin()) {
        tx.array(2, 24).set(3, new long[] {1, 2, 3});
        tx.bitmap(6).set(3);
        tx.commit();
      }
      assertThatThrownBy(() -> pager.readArray(2, 32)).isInstanceOf(IllegalStateException.class).hasMessageContaining("24-byte");
      assertThatThrownBy(() -> pager.readBitmap(2)).isInstanceOf(IllegalStateException.class).hasMessageContaining("array");
      assertThatThrownBy(() -> pager.readArray(6, 8)).isInstanceOf(IllegalStateException.class).hasMessageContaining("bitmap");
      assertThatThrownBy(() -> pager.readArray(10, 12)).isInstanceOf(IllegalArgumentException.class);
      try (Transaction tx = pager.begin()) {
        assertThatThrownBy(() -> tx.array(2, 24).set(0, new long[2])).isInstanceOf(IllegalArgumentException.class);
      }
    }
  }

  @Test
  void randomWritesMatchAModel() throws IOException {
    long seed = Long.getLong("pager.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    Map<Long, long[]> model = new HashMap<>();
    PagerOptions options = PagerOptions.defaults().withPageSize(1024).withDurability(Durability.NONE);
    Pager pager = Pager.create(file(), options);
    try {
      for (int round = 0; round < 40; round++) {
        Map<Long, long[]> staged = new HashMap<>(model);
        boolean commit = random.nextInt(5) != 0;
        try (Transaction tx = pager.begin()) {
          PersistentArray array = tx.array(4, 24);
          for (int i = random.nextInt(150); i >= 0; i--) {
            long index = random.nextInt(4) == 0 ? random.nextLong(1L << 30) : random.nextLong(3000);
            long[] record = random.nextInt(3) == 0 ? new long[3] : new long[] {random.nextLong(), index, round};
            array.set(index, record);
            if (record[0] == 0 && record[1] == 0 && record[2] == 0) {
              staged.remove(index);
            } else {
              staged.put(index, record);
            }
            long probe = random.nextBoolean() && !staged.isEmpty() ? staged.keySet().iterator().next() : index;
            assertThat(array.get(probe)).as("seed %d", seed).containsExactly(staged.getOrDefault(probe, new long[3]));
          }
          if (commit) {
            tx.commit();
            model = staged;
          }
        }
        if (random.nextInt(5) == 0) {
          pager.close();
          pager = Pager.open(file(), options);
        }
        PersistentArray view = pager.readArray(4, 24);
        for (Map.Entry<Long, long[]> entry : model.entrySet()) {
          assertThat(view.get(entry.getKey())).as("seed %d, record %d", seed, entry.getKey()).isEqualTo(entry.getValue());
        }
        assertThat(view.verify()).as("seed %d", seed).isEmpty();
        assertThat(pager.verify().problems()).as("seed %d", seed).isEmpty();
      }
    } finally {
      pager.close();
    }
  }
}
