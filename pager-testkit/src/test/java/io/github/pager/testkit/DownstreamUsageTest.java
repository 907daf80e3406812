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

/**
 * The README's example, as a downstream project would write it: a tiny linked counter kept in
 * a page named by root slot 0, crash-tested through {@link CrashTest} and checked with the
 * AssertJ assertions.
 */
class DownstreamUsageTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024);

  /** The workload: each commit writes the counter into a fresh page and points root 0 at it. */
  private static final CrashWorkload<Long> COUNTER = context -> {
    context.inFlight(0L);
    try (Pager pager = Pager.create(context.storage(), OPTIONS)) {
      context.acknowledge(0L);
      long oldPage = 0;
      for (long value = 1; value <= 15; value++) {
        try (Transaction tx = pager.begin()) {
          PageId page = tx.alloc();
          pager.page(page).putLong(0, value);      // written before the commit that publishes it
          if (oldPage != 0) {
            tx.free(pager.pageId(oldPage));
          }
          tx.setRoot(0, page.index());
          context.inFlight(value);
          tx.commit();
          oldPage = page.index();
        }
        context.acknowledge(value);
      }
    } catch (IOException e) {
      context.failed();   // an injected sync failure: the outcome of the commit is unknown
    }
  };

  /** The check: root 0 names an allocated page holding the acknowledged or in-flight value. */
  private static final CrashCheck<Long> COUNTER_CHECK = (crashed, expected) -> {
    try (Pager pager = Pager.open(crashed, OPTIONS)) {
      assertThat(pager).isConsistent();
      long root = pager.root(0);
      long value = root == 0 ? 0 : pager.page(pager.pageId(root)).getLong(0);
      if (!expected.allows(value)) {
        throw new AssertionError("counter reads " + value + ", expected " + expected);
      }
      assertThat(pager).hasAllocatedPageCount(root == 0 ? 0 : 1);
    } catch (io.github.pager.core.NotAPageFileException e) {
      if (expected.acknowledged() != null) {
        throw e;
      }
    }
  };

  @CrashTest
  void theCounterSurvivesPowerLossAtEveryPoint(CrashRunner crash) {
    crash.explore(COUNTER, COUNTER_CHECK);
  }

  @CrashTest(randomImages = 4)
  void theCounterSurvivesFailedSyncs(CrashRunner crash) {
    for (long sync = 0; sync < 12; sync++) {
      crash.explorer(COUNTER, COUNTER_CHECK)
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
