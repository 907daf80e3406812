package io.github.pager.testkit;

import static io.github.pager.testkit.assertj.PagerAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import io.github.pager.testkit.junit.CrashRunner;
import io.github.pager.testkit.junit.CrashTest;
import java.io.IOException;
import java.util.List;

/**
 * The README's example, as a downstream project would write it: a tiny linked counter kept in
 * a page named by root slot 0, driven by {@link ModelWorkload}, crash-tested through {@link
 * CrashTest} and checked with the AssertJ assertions.
 */
class DownstreamUsageTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024);

  /** The counter: a value in a page that root slot 0 names. */
  static class Counter extends PagerTarget<Long> {
    Counter() {
      super(OPTIONS);
    }

    @Override
    public Long emptyState() {
      return 0L;
    }

    /** Root 0 names the one allocated page, holding the acknowledged or the in-flight value. */
    @Override
    public Long recover(CrashExpectation<Long> expected) throws IOException {
      Pager pager = pager();
      assertThat(pager).isConsistent();
      long root = pager.root(0);
      assertThat(pager).hasAllocatedPageCount(root == 0 ? 0 : 1);
      return expected.require(root == 0 ? 0 : pager.page(pager.pageId(root)).getLong(0));
    }
  }

  /** Writes the next value into a fresh page, frees the old one and points root 0 at the new. */
  static final CrashOperation<Long, Counter> INCREMENT = (counter, value, step) -> {
    Pager pager = counter.pager();
    try (Transaction tx = pager.begin()) {
      PageId page = tx.alloc();
      pager.page(page).putLong(0, value + 1);   // written before the commit that publishes it
      if (pager.root(0) != 0) {
        tx.free(pager.pageId(pager.root(0)));
      }
      tx.setRoot(0, page.index());
      step.inFlight(value + 1);
      tx.commit();
    }
    return value + 1;
  };

  /** Creates the file and increments 15 times; after a failure, reboots and goes on. */
  static final ModelWorkload<Long, Counter> COUNTER = ModelWorkload.of(Counter::new, 15, List.of(INCREMENT));

  @CrashTest
  void theCounterSurvivesPowerLossAtEveryPoint(CrashRunner crash) {
    crash.explore(COUNTER, COUNTER.check());
  }

  @CrashTest(randomImages = 4)
  void theCounterSurvivesFailedSyncs(CrashRunner crash) {
    for (long sync = 0; sync < 12; sync++) {
      crash.explorer(COUNTER, COUNTER.check())
          .withFaults(FaultPlan.none().failingSync(sync))
          .explore()
          .assertNoViolations();
    }
  }

  @CrashTest
  void aSimulatedStorageIsHandedToTheTest(SimulatedStorage storage) throws IOException {
    try (Pager pager = Pager.create(storage, OPTIONS)) {
      PageId id = pager.alloc();
      pager.page(id).putLong(0, 42);
      pager.sync();
      // 3 reserved pages, the free-space tree's root and the allocated page; the pending list (the
      // root leaf the commit replaced) fits in the metadata record.
      assertThat(pager).hasAllocatedPages(id.index()).hasFreePageCount(pager.pageCount() - 3 - 1 - 1).isConsistent();
      assertThat(pager.page(id)).hasLongAt(0, 42);
      assertThatThrownBy(() -> assertThat(pager.page(id)).hasLongAt(0, 43)).isInstanceOf(AssertionError.class);
      assertThatThrownBy(() -> assertThat(pager).hasAllocatedPages(id.index(), 99)).isInstanceOf(AssertionError.class);
    }
  }
}
