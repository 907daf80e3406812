package io.github.pager.protectedpages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.Durability;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Snapshot;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A snapshot reads each protected page at the version its commit had, verified, while the writer goes on. */
class ProtectedSnapshotTest {
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
  private static final int BASE = 20;

  @TempDir Path dir;

  private static void write(ProtectedPageAllocator pages, List<ProtectedPageId> ids, long value) throws IOException {
    try (ProtectedTransaction tx = pages.begin()) {
      for (ProtectedPageId id : ids) {
        tx.write(id).set(LONG, 0, value + id.value());
      }
      tx.commit();
    }
  }

  private static long first(byte[] page) {
    return MemorySegment.ofArray(page).get(LONG, 0);
  }

  /**
   * Writes stage into the inactive copy, which is the active copy of the commit before: two
   * commits after a snapshot, the writer reached the copy the snapshot reads.
   */
  @Test
  void aSnapshotReadsItsVersionsAfterTheWriterRewroteEveryPageTwice() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("pages.db"), PagerOptions.defaults().withDurability(Durability.NONE))) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      List<ProtectedPageId> ids = pages.allocBulk(8);
      write(pages, ids, 100);
      try (Snapshot snapshot = pager.snapshot()) {
        ProtectedSnapshot then = pages.at(snapshot);
        for (int round = 1; round <= 5; round++) {
          write(pages, ids, 100 * (round + 1));
        }
        for (ProtectedPageId id : ids) {
          assertThat(first(then.get(id))).as("protected page %d at the snapshot", id.value()).isEqualTo(100 + id.value());
          assertThat(then.version(id)).isEqualTo(2);
          assertThat(first(pages.get(id))).isEqualTo(600 + id.value());
          assertThat(pages.version(id)).isEqualTo(7);
        }
        pages.verify();
      }
    }
  }

  @Test
  void withoutAnOlderSnapshotWritesStayInTheTwoCopies() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("pages.db"), PagerOptions.defaults().withDurability(Durability.NONE))) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      ProtectedPageId id = pages.alloc();
      DirectoryEntry before = pages.entry(id.value());
      try (Snapshot current = pager.snapshot()) {
        // A snapshot of the newest commit reads the active copy; staging into the inactive one is safe.
        write(pages, List.of(id), 1);
        assertThat(first(pages.at(current).get(id))).isZero();
      }
      for (int round = 2; round < 6; round++) {
        write(pages, List.of(id), round);
      }
      DirectoryEntry after = pages.entry(id.value());
      assertThat(List.of(after.copyA(), after.copyB())).containsExactly(before.copyA(), before.copyB());
    }
  }

  @Test
  void copiesHeldForASnapshotAreReusedOnceItCloses() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("pages.db"), PagerOptions.defaults().withDurability(Durability.NONE))) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      List<ProtectedPageId> ids = pages.allocBulk(16);
      write(pages, ids, 0);
      try (Snapshot snapshot = pager.snapshot()) {
        write(pages, ids, 1);
        // From here on the snapshot is older than the newest commit: each write moves to a fresh
        // page and frees the inactive copy, which the snapshot holds once the next commit is durable.
        write(pages, ids, 2);
        write(pages, ids, 3);
        assertThat(pager.pagesHeldForSnapshots()).isGreaterThanOrEqualTo(16);
      }
      // Many rounds with no snapshot open: the file stops growing once the held copies are reused.
      for (int round = 3; round < 40; round++) {
        write(pages, ids, round);
      }
      long pageCount = pager.pageCount();
      for (int round = 40; round < 200; round++) {
        write(pages, ids, round);
      }
      assertThat(pager.pageCount()).isEqualTo(pageCount);
      assertThat(pager.pagesHeldForSnapshots()).isZero();
      pages.verify();
    }
  }

  @Test
  void randomWritesFreesAndAllocationsNeverReachWhatManySnapshotsRead() throws IOException {
    long seed = Long.getLong("pager.seed", System.nanoTime());
    System.out.println("[protected snapshots] seed " + seed + " (-Dpager.seed=" + seed + ")");
    SplittableRandom random = new SplittableRandom(seed);
    try (Pager pager = Pager.create(dir.resolve("pages.db"), PagerOptions.defaults().withDurability(Durability.NONE))) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      Map<Long, Long> model = new HashMap<>();
      Map<Snapshot, Map<Long, Long>> open = new HashMap<>();
      for (int step = 0; step < 300; step++) {
        try (ProtectedTransaction tx = pages.begin()) {
          // Writes and frees pick among pages committed before this transaction.
          List<Long> committed = new ArrayList<>(model.keySet());
          for (int change = random.nextInt(1, 6); change > 0; change--) {
            int what = random.nextInt(10);
            if (what < 2 || committed.isEmpty()) {
              ProtectedPageId id = tx.alloc();
              long value = random.nextLong();
              tx.write(id).set(LONG, 0, value);
              model.put(id.value(), value);
            } else if (what < 3) {
              long victim = committed.remove(random.nextInt(committed.size()));
              tx.free(pages.handle(victim));
              model.remove(victim);
            } else {
              long target = committed.get(random.nextInt(committed.size()));
              long value = random.nextLong();
              tx.write(pages.handle(target)).set(LONG, 0, value);
              model.put(target, value);
            }
          }
          tx.commit();
        }
        if (random.nextInt(8) == 0) {
          open.put(pager.snapshot(), new HashMap<>(model));
        }
        if (!open.isEmpty() && random.nextInt(10) == 0) {
          Snapshot closing = open.keySet().iterator().next();
          check(pages, closing, java.util.Objects.requireNonNull(open.remove(closing)), seed);
          closing.close();
        }
      }
      for (Map.Entry<Snapshot, Map<Long, Long>> snapshot : open.entrySet()) {
        check(pages, snapshot.getKey(), snapshot.getValue(), seed);
        snapshot.getKey().close();
      }
      pages.verify();
    }
  }

  private static void check(ProtectedPageAllocator pages, Snapshot snapshot, Map<Long, Long> model, long seed)
      throws IOException {
    ProtectedSnapshot view = pages.at(snapshot);
    Map<Long, Long> seen = new HashMap<>();
    view.forEachAllocated(id -> {
      try {
        seen.put(id.value(), first(view.get(id)));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    assertThat(seen).as("snapshot of generation %d (seed %d)", snapshot.generation(), seed).isEqualTo(model);
  }

  /**
   * A read-only pager's protected pages after {@code refresh()}: the entries it cached name the
   * copies of its older commit, one of which the writer may now stage into.
   */
  @Test
  void aRefreshedReaderReadsTheVersionsOfItsNewCommit() throws IOException {
    Path path = dir.resolve("pages.db");
    try (Pager writer = Pager.create(path, PagerOptions.defaults().withDurability(Durability.NONE))) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(writer, BASE);
      List<ProtectedPageId> ids = pages.allocBulk(1);
      write(pages, ids, 100);
      try (Pager reader = Pager.open(path, PagerOptions.defaults().withReadOnly(true))) {
        ProtectedPageAllocator seen = ProtectedPageAllocator.open(reader, BASE);
        ProtectedPageId id = seen.handle(ids.get(0).value());
        assertThat(first(seen.get(id))).isEqualTo(100);
        write(pages, ids, 200);
        assertThat(reader.refresh()).isTrue();
        assertThat(first(seen.get(id))).as("after refresh").isEqualTo(200);
        // The reader reads the newest commit now: the writer stages the next version in place,
        // into the copy the reader's older commit read.
        write(pages, ids, 300);
        assertThat(first(seen.get(id))).as("its commit's version, while the writer moved on").isEqualTo(200);
        assertThat(seen.version(id)).isEqualTo(3);
      }
    }
  }

  @Test
  void aSnapshotOfAnotherPagerIsRefused() throws IOException {
    try (Pager one = Pager.create(dir.resolve("one.db"), PagerOptions.defaults());
        Pager other = Pager.create(dir.resolve("other.db"), PagerOptions.defaults());
        Snapshot snapshot = other.snapshot()) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(one, BASE);
      assertThatThrownBy(() -> pages.at(snapshot)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("not a snapshot of");
    }
  }
}
