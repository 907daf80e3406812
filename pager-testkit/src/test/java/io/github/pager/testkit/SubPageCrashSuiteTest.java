package io.github.pager.testkit;

import static io.github.pager.testkit.SubPageWorkload.BASE_SLOT;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.allocator.SubPageAllocator;
import io.github.pager.allocator.SubPageId;
import io.github.pager.core.NotAPageFileException;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import io.github.pager.core.TreeReport;
import io.github.pager.core.TruncatedPageFileException;
import io.github.pager.testkit.SubPageState.Stamp;
import io.github.pager.testkit.SubPageWorkload.Operation;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The sub-page allocator's crash suite: the operations of {@link SubPageWorkload} crashed before
 * and after every storage call, with and without injected failures.
 *
 * <p>After every crash the image must open at the acknowledged commit or the one in flight (the
 * recovered generation says which), and then:
 *
 * <ul>
 *   <li>the regular pages and handed-out sub-pages are exactly that commit's;
 *   <li>every sub-page of it holds the stamp it was last written with before that commit, or, for
 *       a sub-page the operation in flight rewrote in place, that one's (contents are not
 *       versioned); a sub-page handed out and not yet written may hold anything;
 *   <li>{@link SubPageAllocator#verify()} is empty, every page the allocator owns is allocated,
 *       every other allocated page is a regular page of the model (no parent page leaks), and
 *       {@link Pager#verify()} is clean.
 * </ul>
 *
 * <p>The seed is printed per exploration; rerun with {@code -Dpager.seed=N}, scale up with
 * {@code -Dpager.soak=true}.
 */
class SubPageCrashSuiteTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024);
  private static final int ROUNDS = CrashExplorer.soak() ? 100 : 12;
  private static final long BASE_SEED = CrashExplorer.defaultSeed();

  /**
   * Regular pages a tall workload takes first: with 1 KiB pages a used-bitmap leaf holds 8064
   * bits, the slots of 504 pages of 64-byte sub-pages, so every parent page past them needs a
   * second level.
   */
  private static final int TALL_PREFIX = 520;

  // ---------------------------------------------------------------------------------------------
  // The check

  /** Crash images of the tall exploration checked at height 2 or more. */
  private static final AtomicInteger TALL_IMAGES = new AtomicInteger();

  static CrashCheck<SubPageState> check(PagerOptions options, int subPageSize) {
    return SubPageWorkload.check(options, subPageSize, 0, null);
  }

  // ---------------------------------------------------------------------------------------------
  // Explorations

  private static long explore(String name, SubPageWorkload workload, CrashCheck<SubPageState> check, int rounds,
      long seedOffset, FaultPlan faults, long capacity) {
    long checked = 0;
    for (int round = 0; round < rounds; round++) {
      long seed = BASE_SEED + seedOffset * 1000 + round;
      CrashExploration result = CrashExplorer.of(name, workload, check)
          .withSeed(seed)
          .withFaults(faults.withSeed(seed))
          .withCapacity(capacity)
          .explore()
          .assertNoViolations();
      checked += result.crashStates();
    }
    assertThat(checked).isPositive();
    return checked;
  }

  private static long explore(String name, int subPageSize, int operations, long seedOffset, FaultPlan faults,
      Operation... mix) {
    return explore(name, SubPageWorkload.of(OPTIONS, subPageSize, operations, mix), check(OPTIONS, subPageSize), ROUNDS,
        seedOffset, faults, SimulatedStorage.DEFAULT_CAPACITY);
  }

  @Test
  void subPagesAloneSingleAndBulk() {
    explore("sub-pages 64", 64, 30, 1, FaultPlan.none(),
        Operation.SUB_ALLOC, Operation.SUB_ALLOC_BULK, Operation.SUB_FREE, Operation.SUB_FREE_BULK, Operation.SUB_REWRITE);
  }

  @Test
  void subPagesMixedWithRegularPages() {
    explore("sub-pages 64 and regular", 64, 30, 2, FaultPlan.none(),
        Operation.SUB_ALLOC, Operation.SUB_FREE_BULK, Operation.REGULAR_ALLOC, Operation.REGULAR_FREE,
        Operation.MIXED_TRANSACTION, Operation.FREE_THEN_ALLOC);
  }

  /** Frees and allocations in one transaction, committed or abandoned: where freed bytes could be handed out early. */
  @Test
  void freesAndAllocationsInOneTransaction() {
    explore("sub-pages freed and allocated together", 128, 30, 8, FaultPlan.none(),
        Operation.SUB_ALLOC_BULK, Operation.FREE_THEN_ALLOC, Operation.MIXED_TRANSACTION, Operation.ABANDONED_TRANSACTION);
  }

  @Test
  void largeSubPagesChurnParentPages() {
    explore("sub-pages 256 and regular", 256, 30, 3, FaultPlan.none());
  }

  @Test
  void withReopenAndRestart() {
    explore("sub-pages with restarts", 128, 30, 4, FaultPlan.none(),
        Operation.SUB_ALLOC_BULK, Operation.SUB_FREE, Operation.MIXED_TRANSACTION, Operation.FREE_THEN_ALLOC,
        Operation.REOPEN, Operation.RESTART);
  }

  @Test
  void withSpontaneousWriteback() {
    explore("sub-pages with writeback", 256, 30, 5, FaultPlan.none().withWritebackProbability(0.5));
  }

  @Test
  void withFailedSyncs() {
    long checked = 0;
    // Long enough that every planned failure fires: with 20 operations some runs ended before
    // sync 38 (the explorer now fails such a run).
    for (long sync = 2; sync < 40; sync += 3) {
      checked += CrashExplorer.of("sub-pages, failed sync " + sync, SubPageWorkload.of(OPTIONS, 256, 40), check(OPTIONS, 256))
          .withSeed(BASE_SEED + sync)
          .withFaults(FaultPlan.none().withSeed(BASE_SEED + sync).failingSync(sync))
          .explore()
          .assertNoViolations()
          .crashStates();
    }
    assertThat(checked).isPositive();
  }

  @Test
  void withRandomFailuresOfEveryKind() {
    explore("sub-pages, random faults", 64, 30, 6,
        FaultPlan.none().failingSyncWithProbability(0.02).failingExtendWithProbability(0.2)
            .failingMapWithProbability(0.1).withWritebackProbability(0.3));
  }

  /**
   * A used bitmap of height 2 or more: 1 KiB pages grown sparsely, and every parent page past the
   * first leaf (the workload asserts the height after its first commit, and so does this test
   * after every crash that keeps that commit).
   */
  @Test
  void aUsedBitmapOfHeightTwo() {
    PagerOptions options = OPTIONS.withSparse(true);
    SubPageWorkload workload = SubPageWorkload.of(options, 64, 24,
            Operation.SUB_ALLOC, Operation.SUB_ALLOC_BULK, Operation.SUB_FREE_BULK, Operation.SUB_REWRITE,
            Operation.REGULAR_ALLOC, Operation.MIXED_TRANSACTION, Operation.FREE_THEN_ALLOC, Operation.RESTART)
        .tall(TALL_PREFIX);
    int before = TALL_IMAGES.get();
    // The run of regular pages grows the file to about 1 MiB.
    explore("sub-pages, used bitmap of height 2", workload, SubPageWorkload.check(options, 64, TALL_PREFIX, TALL_IMAGES), CrashExplorer.soak() ? 30 : 3, 9,
        FaultPlan.none(), 4L << 20);
    assertThat(TALL_IMAGES.get() - before).as("crash images checked at height 2").isGreaterThan(1000);
  }

  // ---------------------------------------------------------------------------------------------
  // The check bites

  /** A parent page allocated in a commit of its own leaks if a crash follows. */
  @Test
  void theCheckCatchesALeakedParentPage() {
    CrashWorkload<SubPageState> twoCommits = context -> {
      context.inFlight(SubPageState.EMPTY);
      try (Pager pager = Pager.create(context.storage(), OPTIONS)) {
        SubPageState empty = SubPageState.EMPTY.at(pager.generation());
        context.acknowledge(empty);
        SubPageAllocator sub = SubPageAllocator.open(pager, BASE_SLOT, 64);
        context.inFlight(empty);
        pager.alloc();                      // the flaw: the parent page commits before the sub-page
        SubPageId id = sub.alloc();
        context.acknowledge(empty.withSubs(List.of(), Map.of(id.value(), new Stamp(1, 0))).at(pager.generation()));
      }
    };
    CrashExploration result = CrashExplorer.of("leaky sub-page alloc", twoCommits, check(OPTIONS, 64)).withSeed(BASE_SEED).quietly().explore();
    assertThat(result.violations()).as("violations found by " + result).isNotEmpty();
    assertThat(result.violations().toString()).contains("leaked pages");
    ExpectedFinding.caught(result);
  }

  /** A sub-page marked used in a page the pager never gave out is caught. */
  @Test
  void theCheckCatchesASubPageOutsideItsParent() {
    CrashWorkload<SubPageState> forged = context -> {
      context.inFlight(SubPageState.EMPTY);
      try (Pager pager = Pager.create(context.storage(), OPTIONS)) {
        context.acknowledge(SubPageState.EMPTY.at(pager.generation()));
        SubPageState next = SubPageState.EMPTY.withSubs(List.of(), Map.of(16L * 10, new Stamp(1, 0)));
        context.inFlight(next);
        try (Transaction tx = pager.begin()) {
          tx.bitmap(BASE_SLOT + 1).set(16L * 10);   // slot 0 of page 10, which is free
          tx.commit();
        }
        context.acknowledge(next.at(pager.generation()));
      }
    };
    CrashExploration result = CrashExplorer.of("forged sub-page", forged, check(OPTIONS, 64)).withSeed(BASE_SEED).quietly().explore();
    assertThat(result.violations()).as("violations found by " + result).isNotEmpty();
    assertThat(result.violations().toString()).contains("sub-page allocator problems");
    ExpectedFinding.caught(result);
  }

  /**
   * Bytes written into a freed sub-page before the commit that frees it is durable are caught:
   * the crash that keeps the acknowledged commit gives the sub-page back to its old owner.
   */
  @Test
  void theCheckCatchesWritesIntoASubPageItsOwnerStillHolds() {
    CrashWorkload<SubPageState> early = context -> {
      context.inFlight(SubPageState.EMPTY);
      try (Pager pager = Pager.create(context.storage(), OPTIONS)) {
        context.acknowledge(SubPageState.EMPTY.at(pager.generation()));
        SubPageAllocator sub = SubPageAllocator.open(pager, BASE_SLOT, 64);
        Stamp old = new Stamp(1, 1);
        SubPageId victim;
        SubPageState allocated;
        try (Transaction tx = pager.begin()) {
          victim = sub.alloc(tx);
          SubPageId neighbour = sub.alloc(tx);
          old.writeTo(victim.write(sub).segment(), victim.value());
          allocated = SubPageState.EMPTY.withSubs(List.of(), Map.of(victim.value(), old, neighbour.value(), new Stamp(2, 0)));
          context.inFlight(allocated);
          tx.commit();
        }
        context.acknowledge(allocated.at(pager.generation()));
        SubPageState next = allocated.withSubs(List.of(victim.value()), Map.of());
        try (Transaction tx = pager.begin()) {
          sub.freeBulk(tx, List.of(victim));
          // the flaw: a new owner writes into the freed bytes before the free is durable
          new Stamp(3, 2).writeTo(victim.write(sub).segment(), victim.value());
          context.inFlight(next);
          tx.commit();
        }
        context.acknowledge(next.at(pager.generation()));
      }
    };
    CrashExploration result = CrashExplorer.of("early reuse", early, check(OPTIONS, 64)).withSeed(BASE_SEED).quietly().explore();
    assertThat(result.violations()).as("violations found by " + result).isNotEmpty();
    assertThat(result.violations().toString()).contains("holds Stamp[life=3, version=2], not Stamp[life=1, version=1]");
    ExpectedFinding.caught(result);
  }

  @AfterAll
  static void printTotal() {
    System.out.println("[crash explorer] crash states checked in this JVM so far: "
        + CrashExplorer.crashStatesCheckedInThisJvm());
  }
}
