package io.github.pager.protectedpages;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.Durability;
import io.github.pager.core.PersistentBitmap;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory is not limited by a page: protected page ids at and past 2^24 work end to end.
 *
 * <p>What this shows, honestly: allocating 2^24 real protected pages would take 2^25 pages of
 * file, so the test instead marks ids [0, 2^24) used directly in the used bitmap (as if they were
 * allocated; they have no directory records), then allocates through the normal path, which
 * must hand out ids 2^24, 2^24 + 1, ..., writes them, reopens, and reads and verifies them. That
 * proves the used bitmap and the directory array address and persist indexes past 2^24 and that
 * lowest-free allocation searches past a full 2^24 prefix. A second test allocates 20,000 real
 * protected pages in one commit, so the directory spans many leaves and two interior levels.
 */
class ProtectedCapacityTest {
  private static final long TWO_TO_24 = 1L << 24;
  private static final int BASE = 3;

  @TempDir Path dir;

  @Test
  void idsPastTwoToTheTwentyFourRoundTrip() throws IOException {
    Path file = dir.resolve("big.db");
    PagerOptions options = PagerOptions.defaults().withPageSize(4096).withDurability(Durability.NONE).withSparse(true);
    try (Pager pager = Pager.create(file, options)) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      mark(pager, true);
      List<ProtectedPageId> ids = pages.allocBulk(3);
      assertThat(ids).extracting(ProtectedPageId::value).containsExactly(TWO_TO_24, TWO_TO_24 + 1, TWO_TO_24 + 2);
      for (ProtectedPageId id : ids) {
        try (ProtectedPageWriter writer = pages.write(id)) {
          writer.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 4088, id.value() * 3);
          writer.commit();
        }
      }
      mark(pager, false); // drop the stand-ins, so verify() walks only real pages
      pager.sync();
    }
    try (Pager pager = Pager.open(file, options)) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      assertThat(pages.allocatedIds()).extracting(ProtectedPageId::value)
          .containsExactly(TWO_TO_24, TWO_TO_24 + 1, TWO_TO_24 + 2);
      for (ProtectedPageId id : pages.allocatedIds()) {
        assertThat(MemorySegment.ofArray(pages.get(id)).get(ValueLayout.JAVA_LONG_UNALIGNED, 4088)).isEqualTo(id.value() * 3);
        assertThat(pages.version(id)).isEqualTo(2);
      }
      pages.verify();
      assertThat(pager.verify().problems()).isEmpty();
      assertThat(pages.alloc().value()).as("the freed prefix is lowest again").isZero();
    }
  }

  /** Sets or clears bits [0, 2^24) of the used bitmap in one commit, without directory records. */
  private static void mark(Pager pager, boolean set) throws IOException {
    try (Transaction tx = pager.begin()) {
      PersistentBitmap used = tx.bitmap(BASE + 3);
      for (long id = 0; id < TWO_TO_24; id++) {
        if (set) {
          used.set(id);
        } else {
          used.clear(id);
        }
      }
      tx.commit();
    }
  }

  @Test
  void twentyThousandPagesInOneCommit() throws IOException {
    Path file = dir.resolve("many.db");
    PagerOptions options = PagerOptions.defaults().withPageSize(1024).withDurability(Durability.NONE).withSparse(true);
    int count = 20_000;
    try (Pager pager = Pager.create(file, options)) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      long generation = pager.generation();
      List<ProtectedPageId> ids = pages.allocBulk(count);
      assertThat(pager.generation()).isEqualTo(generation + 1);
      try (ProtectedTransaction tx = pages.begin()) {
        for (ProtectedPageId id : ids) {
          tx.write(id).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, ~id.value());
        }
        tx.commit();
      }
      pager.sync();
    }
    try (Pager pager = Pager.open(file, options)) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      List<ProtectedPageId> ids = pages.allocatedIds();
      assertThat(ids).hasSize(count);
      assertThat(ids.getLast().value()).isEqualTo(count - 1);
      for (ProtectedPageId id : ids) {
        assertThat(MemorySegment.ofArray(pages.get(id)).get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(~id.value());
      }
      pages.verify();
      assertThat(pager.allocatedPages()).hasSize(pages.ownedPages().size());
    }
  }
}
