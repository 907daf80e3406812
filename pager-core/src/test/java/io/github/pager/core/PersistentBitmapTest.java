package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PersistentBitmapTest {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve("bitmaps.db");
  }

  @Test
  void bitsCommitWithTheTransactionAndSurviveReopen() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      try (Transaction tx = pager.begin()) {
        PersistentBitmap bitmap = tx.bitmap(4);
        bitmap.set(0);
        bitmap.set(70_000);
        bitmap.set(1L << 40);
        tx.commit();
      }
      try (Transaction tx = pager.begin()) {
        tx.bitmap(4).set(5);
        // rolled back
      }
      PersistentBitmap view = pager.readBitmap(4);
      assertThat(view.get(5)).isFalse();
      assertThat(view.nextSet(1)).isEqualTo(70_000);
    }
    try (Pager pager = Pager.open(file())) {
      PersistentBitmap view = pager.readBitmap(4);
      assertThat(view.get(0)).isTrue();
      assertThat(view.get(1)).isFalse();
      assertThat(view.nextSet(1)).isEqualTo(70_000);
      assertThat(view.nextSet(70_001)).isEqualTo(1L << 40);
      assertThat(view.nextSet((1L << 40) + 1)).isEqualTo(-1);
      assertThat(view.nextClear(0)).isEqualTo(1);
      assertThat(view.verify()).isEmpty();
      assertThat(pager.verify().problems()).isEmpty();
      // Its nodes are ordinary allocated pages of the file.
      assertThat(pager.allocatedPages().stream().map(PageId::index).toList())
          .containsExactlyInAnyOrderElementsOf(view.nodePages());
    }
  }

  @Test
  void anUnusedSlotIsAnEmptyBitmapAndSlotsMayNotOverlap() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults());
        Transaction tx = pager.begin()) {
      PersistentBitmap bitmap = tx.bitmap(0);
      assertThat(bitmap.nextSet(0)).isEqualTo(-1);
      assertThat(bitmap.nextClear(12345)).isEqualTo(12345);
      assertThat(tx.bitmap(0)).isSameAs(bitmap);
      assertThatThrownBy(() -> tx.bitmap(1)).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> tx.setRoot(1, 7)).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> tx.bitmap(Transaction.ROOT_SLOTS - 1)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> bitmap.clear(3)).isInstanceOf(IllegalStateException.class);
      bitmap.set(3);
      assertThatThrownBy(() -> bitmap.set(3)).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void aBitmapIsUnusableAfterItsTransactionEnds() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      PersistentBitmap bitmap;
      try (Transaction tx = pager.begin()) {
        bitmap = tx.bitmap(2);
        bitmap.set(1);
        tx.commit();
      }
      assertThatThrownBy(() -> bitmap.get(1)).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> pager.readBitmap(2).set(9)).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void randomChangesMatchAModel() throws IOException {
    long seed = Long.getLong("pager.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    TreeSet<Long> model = new TreeSet<>();
    PagerOptions options = PagerOptions.defaults().withPageSize(1024).withDurability(Durability.NONE);
    Pager pager = Pager.create(file(), options);
    try {
      for (int round = 0; round < 60; round++) {
        boolean commit = random.nextInt(5) != 0;
        TreeSet<Long> staged = new TreeSet<>(model);
        try (Transaction tx = pager.begin()) {
          PersistentBitmap bitmap = tx.bitmap(6);
          for (int i = random.nextInt(200); i >= 0; i--) {
            long index = random.nextInt(3) == 0 ? random.nextLong(1L << 45) : random.nextLong(50_000);
            if (staged.contains(index)) {
              bitmap.clear(index);
              staged.remove(index);
            } else {
              bitmap.set(index);
              staged.add(index);
            }
            if (i % 50 == 0) {
              long from = random.nextLong(60_000);
              Long expected = staged.ceiling(from);
              assertThat(bitmap.nextSet(from)).as("seed %d", seed).isEqualTo(expected == null ? -1 : expected);
              long clear = from;
              while (staged.contains(clear)) {
                clear++;
              }
              assertThat(bitmap.nextClear(from)).as("seed %d", seed).isEqualTo(clear);
            }
          }
          if (commit) {
            tx.commit();
            model = staged;
          }
        }
        if (random.nextInt(6) == 0) {
          pager.close();
          pager = Pager.open(file(), options);
        }
        PersistentBitmap view = pager.readBitmap(6);
        List<Long> actual = new java.util.ArrayList<>();
        for (long bit = view.nextSet(0); bit >= 0; bit = view.nextSet(bit + 1)) {
          actual.add(bit);
        }
        assertThat(actual).as("seed %d", seed).containsExactlyElementsOf(model);
        assertThat(view.verify()).as("seed %d", seed).isEmpty();
        assertThat(pager.verify().problems()).as("seed %d", seed).isEmpty();
      }
    } finally {
      pager.close();
    }
  }
}
