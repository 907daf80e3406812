package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * {@link Transaction#commit()} promises that page writes made before it become durable, whether
 * or not the transaction changed anything else: a user who writes a page and commits an empty
 * transaction relies on it instead of calling {@code sync()}.
 */
class EmptyCommitDurabilityTest {

  @Test
  void pageWritesBeforeAnEmptyCommitSurviveAPowerLoss() throws IOException {
    SimulatedStorage storage = SimulatedStorage.builder().capacity(1 << 20).build();
    long index;
    try (Pager pager = Pager.create(storage, PagerOptions.defaults())) {
      PageId id = pager.alloc();
      index = id.index();
      pager.page(id).putLong(0, 42);
      try (Transaction tx = pager.begin()) {
        tx.commit();
      }
      // Power is lost here: only what reached the disk survives, in the worst case for the cache.
      try (Pager reopened = Pager.open(storage.fromCrashImage(storage.crashImage(1, CrashImage.ALL_OLD)), PagerOptions.defaults())) {
        assertThat(reopened.page(reopened.pageId(index)).getLong(0)).isEqualTo(42);
      }
    }
  }

  @Test
  void anEmptyCommitWithNoPageWritesStillWritesNothing() throws IOException {
    SimulatedStorage storage = SimulatedStorage.builder().capacity(1 << 20).build();
    try (Pager pager = Pager.create(storage, PagerOptions.defaults())) {
      pager.alloc();
      long generation = pager.generation();
      try (Transaction tx = pager.begin()) {
        tx.commit();
      }
      assertThat(pager.generation()).as("an empty commit makes no new generation").isEqualTo(generation);
      assertThat(storage.dirtyPages()).isEmpty();
    }
  }
}
