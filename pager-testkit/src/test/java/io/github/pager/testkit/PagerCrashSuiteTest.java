package io.github.pager.testkit;

import static io.github.pager.testkit.PagerWorkload.Operation.ALLOC;
import static io.github.pager.testkit.PagerWorkload.Operation.ALLOC_BULK;
import static io.github.pager.testkit.PagerWorkload.Operation.ALLOC_RUN;
import static io.github.pager.testkit.PagerWorkload.Operation.FREE;
import static io.github.pager.testkit.PagerWorkload.Operation.FREE_BULK;
import static io.github.pager.testkit.PagerWorkload.Operation.GROW;
import static io.github.pager.testkit.PagerWorkload.Operation.REOPEN;
import static io.github.pager.testkit.PagerWorkload.Operation.RESTART;
import static io.github.pager.testkit.PagerWorkload.Operation.ROOTS;
import static io.github.pager.testkit.PagerWorkload.Operation.ROOTS_ONLY;
import static io.github.pager.testkit.PagerWorkload.Operation.SNAPSHOT;
import static io.github.pager.testkit.PagerWorkload.Operation.WRITE_AND_SYNC;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.storage.ForwardingStorage;
import io.github.pager.core.storage.Storage;
import io.github.pager.testkit.PagerWorkload.Operation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * pager-core's crash suite: every operation of the pager, crashed before and after every storage
 * call, with and without injected failures, judged by {@link PagerCheck}.
 *
 * <p>It lives here rather than in pager-core because the kit depends on the core. The seed is
 * printed per exploration; rerun one with {@code -Dpager.seed=N}, or turn the scale up with
 * {@code -Dpager.soak=true}.
 */
class PagerCrashSuiteTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024);
  private static final int ROUNDS = CrashExplorer.soak() ? 100 : 20;
  private static final long BASE_SEED = CrashExplorer.defaultSeed();

  /** Pages one free-space tree leaf covers at 1 KiB pages: (1024 - 16) * 8 (FORMAT.md). */
  private static final long PAGES_PER_LEAF = 8064;

  private static void explore(String name, int operations, long seedOffset, FaultPlan faults, Operation... mix) {
    long checked = 0;
    for (int round = 0; round < ROUNDS; round++) {
      long seed = BASE_SEED + seedOffset * 1000 + round;
      CrashExploration result = CrashExplorer.of(name, PagerWorkload.of(OPTIONS, operations, mix), PagerCheck.standard(OPTIONS))
          .withSeed(seed)
          .withFaults(faults.withSeed(seed))
          .explore()
          .assertNoViolations();
      checked += result.crashStates();
    }
    assertThat(checked).isPositive();
  }

  @Test
  void alloc() {
    explore("alloc", 25, 1, FaultPlan.none(), ALLOC);
  }

  @Test
  void allocAndFree() {
    explore("alloc and free", 40, 2, FaultPlan.none(), ALLOC, FREE);
  }

  @Test
  void bulk() {
    explore("bulk", 30, 3, FaultPlan.none(), ALLOC_BULK, FREE_BULK, ALLOC_RUN);
  }

  @Test
  void grow() {
    explore("grow", 25, 4, FaultPlan.none(), GROW, ALLOC_RUN, ALLOC);
  }

  /**
   * Snapshots held across commits: pages freed after a snapshot stay pending (and in the pending
   * list) across many commits, and released when it closes; no allocation hands out a page a held
   * snapshot reaches, and every crash state still recovers the last acknowledged commit.
   */
  @Test
  void withSnapshotsHeld() {
    explore("snapshots", 40, 13, FaultPlan.none(), ALLOC, ALLOC_BULK, FREE, FREE_BULK, ROOTS, ROOTS_ONLY, SNAPSHOT, REOPEN);
  }

  @Test
  void rootUpdates() {
    explore("roots", 30, 5, FaultPlan.none(), ROOTS, WRITE_AND_SYNC, FREE);
  }

  @Test
  void reopenAndRestart() {
    explore("reopen", 30, 6, FaultPlan.none(), ALLOC, FREE, REOPEN, RESTART, WRITE_AND_SYNC);
  }

  @Test
  void everything() {
    explore("everything", 60, 7, FaultPlan.none());
  }

  @Test
  void aFreeSpaceTreeOfTwoLevels() {
    // The set-up commit grows the file past one leaf and fills the first leaf but for a few
    // pages: the operations then allocate and free across both leaves, under a root that is an
    // interior node, so every commit rewrites a path of two nodes.
    PagerOptions sparse = OPTIONS.withSparse(true);
    PagerWorkload workload =
        PagerWorkload.of(sparse, 16, ALLOC, ALLOC_BULK, ALLOC_RUN, FREE, FREE_BULK, ROOTS, WRITE_AND_SYNC, RESTART)
            .startingWith(PAGES_PER_LEAF + 600, PAGES_PER_LEAF - 16);
    CountingCheck check = new CountingCheck(sparse, pager -> pager.verify().treeHeight() >= 2);
    CrashExploration result = CrashExplorer.of("two-level free-space tree", workload, check)
        .withSeed(BASE_SEED + 10_000)
        .withCapacity(10L << 20)
        .explore()
        .assertNoViolations();
    assertThat(check.counted.sum())
        .as("crash states judged on a free-space tree of height 2 or more, of " + result.crashStates())
        .isGreaterThan(result.crashStates() / 2);
  }

  /**
   * Snapshots held over many scattered frees: the held runs outgrow the metadata record and spill
   * into the pending list's chain, which commits extend and, once the snapshots close, cut. Crash
   * states must include commits with a chain, or the exploration tested only the inline list.
   */
  @Test
  void aPendingChainSpilledAndCutUnderHeldSnapshots() {
    CountingCheck check = new CountingCheck(OPTIONS, pager -> pager.pendingPages().listPages() > 0);
    long states = 0;
    for (int round = 0; round < ROUNDS / 4; round++) {
      // Fixed seeds: how long snapshots are held is drawn, and so is how often the list spills
      // (from 5 % to 40 % of the states across random seeds), so a random seed could pass the
      // count by luck or fail it by bad luck. -Dpager.seed=N still replays one exploration.
      long seed = Long.getLong("pager.seed", 11_000L + round);
      // Frees of scattered pages out of a run of 600: runs of their own, which held snapshots keep.
      PagerWorkload workload =
          PagerWorkload.of(OPTIONS, 60, FREE_BULK, FREE_BULK, FREE_BULK, FREE, SNAPSHOT, ROOTS_ONLY)
              .startingWith(1024, 600);
      states += CrashExplorer.of("pending chain", workload, check)
          .withSeed(seed)
          .explore()
          .assertNoViolations()
          .crashStates();
    }
    assertThat(check.counted.sum())
        .as("crash states judged on a commit whose pending list has a chain, of " + states)
        .isGreaterThan(states / 50);
  }

  /** {@link PagerCheck#standard}, counting the states whose recovered pager passes a test. */
  private static final class CountingCheck implements CrashCheck<PagerState> {
    /** A test of a recovered pager. */
    @FunctionalInterface
    interface PagerTest {
      boolean test(Pager pager) throws IOException;
    }

    private final PagerOptions options;
    private final PagerTest counts;
    final LongAdder counted = new LongAdder();

    CountingCheck(PagerOptions options, PagerTest counts) {
      this.options = options;
      this.counts = counts;
    }

    @Override
    public void check(SimulatedStorage crashed, CrashExpectation<PagerState> expected) throws IOException {
      Pager pager = PagerCheck.openAfterCrash(crashed, options, expected);
      if (pager == null) {
        return;
      }
      try (pager) {
        PagerCheck.verify(pager, expected);
        if (counts.test(pager)) {
          counted.increment();
        }
      }
    }
  }

  /**
   * A disk that violates power-safe overwrite: a torn write may also leave garbage in a sector
   * of its OS page that it did not change. With pages as large as the OS page, the pager never
   * rewrites a structure in an OS page beside one it needs (each metadata copy has its own page,
   * nodes and chain pages are fresh), so every crash state still recovers. User pages rewritten
   * in place are left out: their bytes are the user's, unchecked.
   */
  @Test
  void onADiskWithoutPowersafeOverwrite() {
    PagerOptions pageSized = PagerOptions.defaults();
    for (int round = 0; round < ROUNDS / 2; round++) {
      long seed = BASE_SEED + 12_000 + round;
      CrashExplorer.of("no power-safe overwrite",
              PagerWorkload.of(pageSized, 40, ALLOC, ALLOC_BULK, FREE, FREE_BULK, ROOTS, SNAPSHOT, RESTART),
              PagerCheck.standard(pageSized))
          .withSeed(seed)
          .withFaults(FaultPlan.none().withSeed(seed).violatingPowersafeOverwrite())
          .explore()
          .assertNoViolations();
    }
  }

  /**
   * The same disk with pages smaller than the OS page: pages 0 to 3 (superblock, both metadata
   * copies, the first tree leaf) share one 4 KiB OS page, so a torn write of one record can
   * destroy the other copy or the superblock's magic, and the file no longer opens. A known
   * limitation of the format (FORMAT.md, "Recovery"): caught here so that a fix shows.
   */
  @Test
  void smallPagesOnADiskWithoutPowersafeOverwriteCanLoseTheFile() {
    CrashExploration result = CrashExplorer.of("1 KiB pages, no power-safe overwrite",
            PagerWorkload.of(OPTIONS, 40, ALLOC, FREE, ROOTS), PagerCheck.standard(OPTIONS))
        .withSeed(BASE_SEED + 13_000)
        .withRandomImages(40)
        .withFaults(FaultPlan.none().withSeed(BASE_SEED + 13_000).violatingPowersafeOverwrite())
        .quietly()
        .explore();
    assertThat(result.violations()).as("states that no longer open").isNotEmpty();
    ExpectedFinding.caught(result);
  }

  @Test
  void withSpontaneousWriteback() {
    explore("writeback", 40, 8, FaultPlan.none().withWritebackProbability(0.5));
  }

  @Test
  void withFailedSyncs() {
    // Two failures per run: the workload checks the poisoned pager, reopens after a reboot, and
    // goes on through the second failure to the end. Long enough that both failures fire (with 25
    // operations some runs ended before the second; the explorer now fails such a run).
    for (long sync = 2; sync < 40; sync += 3) {
      CrashExplorer.of("failed syncs " + sync + " and " + (sync + 11), PagerWorkload.of(OPTIONS, 60), PagerCheck.standard(OPTIONS))
          .withSeed(BASE_SEED + sync)
          .withFaults(FaultPlan.none().withSeed(BASE_SEED + sync).failingSync(sync, sync + 11))
          .explore()
          .assertNoViolations();
    }
  }

  @Test
  void theWorkloadGoesOnAfterEachFailedSync() {
    // Without reopens in the mix, the pager is opened once at create and once per recovery.
    List<SyncCounting> openings = new ArrayList<>();
    PagerWorkload workload = PagerWorkload.of(OPTIONS, 30, ALLOC, FREE, WRITE_AND_SYNC, ROOTS)
        .withStorageWrapper(storage -> {
          SyncCounting counting = new SyncCounting(storage);
          openings.add(counting);
          return counting;
        });
    CrashExplorer.of("three failed syncs", workload, PagerCheck.standard(OPTIONS))
        .withSeed(BASE_SEED)
        .withFaults(FaultPlan.none().withSeed(BASE_SEED).failingSync(4, 12, 20))
        .explore()
        .assertNoViolations();
    assertThat(openings).as("create, then one reopen per failed sync").hasSize(4);
    assertThat(openings.get(3).succeeded).as("syncs that succeeded after the last recovery").isPositive();
  }

  /** Counts the syncs that succeed through it. */
  private static final class SyncCounting extends ForwardingStorage {
    int succeeded;

    SyncCounting(Storage delegate) {
      super(delegate);
    }

    @Override
    public void sync(long offset, long length) throws IOException {
      super.sync(offset, length);
      succeeded++;
    }

    @Override
    public void syncAll() throws IOException {
      super.syncAll();
      succeeded++;
    }
  }

  @Test
  void withRandomFailuresOfEveryKind() {
    explore(
        "random faults", 40, 9,
        FaultPlan.none().failingSyncWithProbability(0.02).failingExtendWithProbability(0.2)
            .failingMapWithProbability(0.1).withWritebackProbability(0.3));
  }

  @AfterAll
  static void printTotal() {
    System.out.println("[crash explorer] crash states checked in this JVM so far: "
        + CrashExplorer.crashStatesCheckedInThisJvm());
  }
}
