package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.allocator.SubPageAllocator;
import io.github.pager.allocator.SubPageId;
import io.github.pager.core.GrowFailedException;
import io.github.pager.core.NotAPageFileException;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import io.github.pager.core.TreeReport;
import io.github.pager.core.TruncatedPageFileException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NavigableSet;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The sub-page allocator's crash suite: sub-page allocs and frees (single, bulk, and folded into
 * larger transactions with regular allocs and frees) crashed before and after every storage
 * call, with and without injected failures.
 *
 * <p>After every crash the image must open; the regular pages and handed-out sub-pages must equal
 * the acknowledged or the in-flight state wholly; {@link SubPageAllocator#verify()} must be
 * empty (no sub-page both free and handed out, the partial bitmap consistent, every parent page
 * allocated); every allocated page of the pager must be a regular page of that state or one the
 * allocator owns (no parent page leaks); and {@link Pager#verify()} must be clean.
 *
 * <p>The seed is printed per exploration; rerun with {@code -Dpager.seed=N}, scale up with
 * {@code -Dpager.soak=true}.
 */
class SubPageCrashSuiteTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024);
  private static final int BASE_SLOT = 4;
  private static final int ROUNDS = CrashExplorer.soak() ? 100 : 12;
  private static final long BASE_SEED = CrashExplorer.defaultSeed();

  /** What must survive: the regular pages and the handed-out sub-page values. */
  record State(NavigableSet<Long> regular, NavigableSet<Long> subs) {
    static final State EMPTY = new State(new TreeSet<>(), new TreeSet<>());

    State {
      regular = Collections.unmodifiableNavigableSet(new TreeSet<>(regular));
      subs = Collections.unmodifiableNavigableSet(new TreeSet<>(subs));
    }

    State change(List<Long> regularAdded, List<Long> regularRemoved, List<Long> subsAdded, List<Long> subsRemoved) {
      TreeSet<Long> r = new TreeSet<>(regular);
      r.removeAll(regularRemoved);
      r.addAll(regularAdded);
      TreeSet<Long> s = new TreeSet<>(subs);
      s.removeAll(subsRemoved);
      s.addAll(subsAdded);
      return new State(r, s);
    }
  }

  /** The operations the workload draws from. */
  enum Operation {
    SUB_ALLOC,
    SUB_ALLOC_BULK,
    SUB_FREE,
    SUB_FREE_BULK,
    REGULAR_ALLOC,
    REGULAR_FREE,
    MIXED_TRANSACTION,
    REOPEN,
    RESTART
  }

  static CrashWorkload<State> workload(int subPageSize, int operations, List<Operation> mix) {
    return context -> {
      SplittableRandom random = context.random();
      State state = State.EMPTY;
      context.inFlight(state);
      Pager created;
      try {
        created = Pager.create(context.storage(), OPTIONS);
      } catch (IOException e) {
        context.failed();
        return;
      }
      context.acknowledge(state);
      Pager pager = created;
      // After a restart the abandoned pager must not be closed: its storage died with the process.
      boolean abandoned = false;
      try {
        SubPageAllocator sub = SubPageAllocator.open(pager, BASE_SLOT, subPageSize);
        for (int i = 0; i < operations; i++) {
          Operation operation = mix.get(random.nextInt(mix.size()));
          try {
            if (operation == Operation.REOPEN || operation == Operation.RESTART) {
              context.inFlight(state);
              if (operation == Operation.REOPEN) {
                pager.close();
              }
              abandoned = true;
              pager = Pager.open(context.restart(), OPTIONS);
              abandoned = false;
              sub = SubPageAllocator.open(pager, BASE_SLOT, subPageSize);
              State reopened = read(pager, sub);
              if (!reopened.equals(state)) {
                throw new AssertionError("reopened without a crash as " + reopened + ", not " + state);
              }
            } else {
              state = step(operation, pager, sub, state, context, random);
            }
            context.acknowledge(state);
          } catch (GrowFailedException e) {
            context.rolledBack();
          } catch (IOException e) {
            context.failed();
            return;
          }
        }
        context.inFlight(state);
        try {
          pager.close();
          context.acknowledge(state);
        } catch (IOException e) {
          context.failed();
        }
      } finally {
        if (!abandoned) {
          pager.close();
        }
      }
    };
  }

  private static State step(
      Operation operation, Pager pager, SubPageAllocator sub, State state, CrashContext<State> context, SplittableRandom random)
      throws IOException {
    List<Long> subs = new ArrayList<>(state.subs());
    List<Long> regular = new ArrayList<>(state.regular());
    switch (operation) {
      case SUB_ALLOC, SUB_ALLOC_BULK -> {
        int count = operation == Operation.SUB_ALLOC ? 1 : 1 + random.nextInt(2 * sub.subPagesPerPage());
        List<Long> predicted = predictAllocs(pager, sub, count);
        State next = state.change(List.of(), List.of(), predicted, List.of());
        context.inFlight(next);
        List<Long> got = new ArrayList<>();
        if (operation == Operation.SUB_ALLOC) {
          got.add(sub.alloc().value());
        } else {
          sub.allocBulk(count).forEach(id -> got.add(id.value()));
        }
        if (!got.equals(predicted)) {
          throw new AssertionError("allocated " + got + " after a rolled-back dry run allocated " + predicted);
        }
        return next;
      }
      case SUB_FREE, SUB_FREE_BULK -> {
        if (subs.isEmpty()) {
          return step(Operation.SUB_ALLOC_BULK, pager, sub, state, context, random);
        }
        List<Long> victims = pickSome(subs, operation == Operation.SUB_FREE ? 1 : 1 + random.nextInt(Math.min(6, subs.size())), random);
        State next = state.change(List.of(), List.of(), List.of(), victims);
        context.inFlight(next);
        List<SubPageId> handles = new ArrayList<>();
        for (long victim : victims) {
          handles.add(sub.handle(victim));
        }
        if (operation == Operation.SUB_FREE) {
          sub.free(handles.get(0));
        } else {
          sub.freeBulk(handles);
        }
        return next;
      }
      case REGULAR_ALLOC -> {
        try (Transaction tx = pager.begin()) {
          List<Long> pages = new ArrayList<>();
          for (PageId id : tx.allocBulk(1 + random.nextInt(2))) {
            pages.add(id.index());
          }
          State next = state.change(pages, List.of(), List.of(), List.of());
          context.inFlight(next);
          tx.commit();
          return next;
        }
      }
      case REGULAR_FREE -> {
        if (regular.isEmpty()) {
          return step(Operation.REGULAR_ALLOC, pager, sub, state, context, random);
        }
        List<Long> victims = pickSome(regular, 1, random);
        State next = state.change(List.of(), victims, List.of(), List.of());
        context.inFlight(next);
        pager.free(pager.pageId(victims.get(0)));
        return next;
      }
      case MIXED_TRANSACTION -> {
        return mixedTransaction(pager, sub, state, context, random);
      }
      default -> throw new IllegalStateException("unhandled " + operation);
    }
  }

  /** Sub-page allocs and frees folded into one transaction with regular allocs and frees. */
  private static State mixedTransaction(
      Pager pager, SubPageAllocator sub, State state, CrashContext<State> context, SplittableRandom random) throws IOException {
    List<SubPageId> subLive = new ArrayList<>();
    for (long value : state.subs()) {
      subLive.add(sub.handle(value));
    }
    List<Long> regularLive = new ArrayList<>(state.regular());
    List<Long> subAdded = new ArrayList<>();
    List<Long> subRemoved = new ArrayList<>();
    List<Long> regularAdded = new ArrayList<>();
    List<Long> regularRemoved = new ArrayList<>();
    try (Transaction tx = pager.begin()) {
      for (int k = 2 + random.nextInt(5); k > 0; k--) {
        int choice = random.nextInt(4);
        if (choice == 0 || (choice == 1 && subLive.isEmpty())) {
          SubPageId id = sub.alloc(tx);
          subLive.add(id);
          subAdded.add(id.value());
        } else if (choice == 1) {
          List<SubPageId> victims = new ArrayList<>();
          for (int n = 1 + random.nextInt(Math.min(3, subLive.size())); n > 0; n--) {
            victims.add(subLive.remove(random.nextInt(subLive.size())));
          }
          sub.freeBulk(tx, victims);
          for (SubPageId victim : victims) {
            if (!subAdded.remove(victim.value())) {
              subRemoved.add(victim.value());
            }
          }
        } else if (choice == 2 || regularLive.isEmpty()) {
          long page = tx.alloc().index();
          regularLive.add(page);
          regularAdded.add(page);
        } else {
          long page = regularLive.remove(random.nextInt(regularLive.size()));
          tx.free(pager.pageId(page));
          if (!regularAdded.remove(page)) {
            regularRemoved.add(page);
          }
        }
      }
      State next = state.change(regularAdded, regularRemoved, subAdded, subRemoved);
      context.inFlight(next);
      tx.commit();
      return next;
    }
  }

  /**
   * The values the next {@code count} allocations will hand out, found by allocating them in a
   * transaction that is rolled back: the in-flight state must be declared before the commit,
   * for the case where it fails with an unknown outcome.
   */
  private static List<Long> predictAllocs(Pager pager, SubPageAllocator sub, int count) throws IOException {
    List<Long> values = new ArrayList<>();
    try (Transaction tx = pager.begin()) {
      for (int i = 0; i < count; i++) {
        values.add(sub.alloc(tx).value());
      }
    }
    return values;
  }

  private static List<Long> pickSome(List<Long> from, int count, SplittableRandom random) {
    List<Long> pool = new ArrayList<>(from);
    List<Long> picked = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      picked.add(pool.remove(random.nextInt(pool.size())));
    }
    return picked;
  }

  /** Reads the state back: sub-pages from the allocator, regular pages as every page it does not own. */
  private static State read(Pager pager, SubPageAllocator sub) throws IOException {
    TreeSet<Long> subs = new TreeSet<>();
    sub.forEachAllocated(id -> subs.add(id.value()));
    TreeSet<Long> regular = new TreeSet<>();
    pager.forEachAllocated(id -> regular.add(id.index()));
    regular.removeAll(sub.ownedPages());
    return new State(regular, subs);
  }

  static CrashCheck<State> check(int subPageSize) {
    return (crashed, expected) -> {
      Pager pager;
      try {
        pager = Pager.open(crashed, OPTIONS);
      } catch (NotAPageFileException | TruncatedPageFileException e) {
        if (expected.acknowledged() == null) {
          return;
        }
        throw new AssertionError("the file no longer opens although commits were acknowledged: " + e, e);
      }
      try (pager) {
        TreeReport report = pager.verify();
        if (!report.isClean()) {
          throw new AssertionError("free-space tree problems: " + report.problems());
        }
        SubPageAllocator sub = SubPageAllocator.open(pager, BASE_SLOT, subPageSize);
        List<String> problems = sub.verify();
        if (!problems.isEmpty()) {
          throw new AssertionError("sub-page allocator problems: " + problems);
        }
        TreeSet<Long> allocated = new TreeSet<>();
        pager.forEachAllocated(id -> allocated.add(id.index()));
        TreeSet<Long> notAllocated = new TreeSet<>(sub.ownedPages());
        notAllocated.removeAll(allocated);
        if (!notAllocated.isEmpty()) {
          throw new AssertionError("pages " + notAllocated + " belong to the sub-page allocator but are free in the pager");
        }
        State actual = read(pager, sub);
        if (!expected.allows(actual)) {
          State acknowledged = expected.acknowledged();
          State inFlight = expected.inFlight();
          throw new AssertionError(
              "recovered " + actual + " is neither the acknowledged " + acknowledged + " nor the in-flight " + inFlight
                  + leaks(actual, acknowledged) + leaks(actual, inFlight));
        }
      }
    };
  }

  /** Names pages that are allocated but neither regular in {@code model} nor the allocator's. */
  private static String leaks(State actual, @org.jspecify.annotations.Nullable State model) {
    if (model == null || !actual.subs().equals(model.subs())) {
      return "";
    }
    TreeSet<Long> leaked = new TreeSet<>(actual.regular());
    leaked.removeAll(model.regular());
    return leaked.isEmpty() ? "" : "; leaked pages against " + model + ": " + leaked;
  }

  // ---------------------------------------------------------------------------------------------

  private static long explore(String name, int subPageSize, int operations, long seedOffset, FaultPlan faults, Operation... mix) {
    List<Operation> operations0 = mix.length == 0 ? List.of(Operation.values()) : List.of(mix);
    long checked = 0;
    for (int round = 0; round < ROUNDS; round++) {
      long seed = BASE_SEED + seedOffset * 1000 + round;
      CrashExploration result = CrashExplorer.of(name, workload(subPageSize, operations, operations0), check(subPageSize))
          .withSeed(seed)
          .withFaults(faults.withSeed(seed))
          .explore()
          .assertNoViolations();
      checked += result.crashStates();
    }
    assertThat(checked).isPositive();
    return checked;
  }

  @Test
  void subPagesAloneSingleAndBulk() {
    explore("sub-pages 64", 64, 30, 1, FaultPlan.none(),
        Operation.SUB_ALLOC, Operation.SUB_ALLOC_BULK, Operation.SUB_FREE, Operation.SUB_FREE_BULK);
  }

  @Test
  void subPagesMixedWithRegularPages() {
    explore("sub-pages 64 and regular", 64, 30, 2, FaultPlan.none(),
        Operation.SUB_ALLOC, Operation.SUB_FREE_BULK, Operation.REGULAR_ALLOC, Operation.REGULAR_FREE, Operation.MIXED_TRANSACTION);
  }

  @Test
  void largeSubPagesChurnParentPages() {
    explore("sub-pages 256 and regular", 256, 30, 3, FaultPlan.none());
  }

  @Test
  void withReopenAndRestart() {
    explore("sub-pages with restarts", 128, 30, 4, FaultPlan.none(),
        Operation.SUB_ALLOC_BULK, Operation.SUB_FREE, Operation.MIXED_TRANSACTION, Operation.REOPEN, Operation.RESTART);
  }

  @Test
  void withSpontaneousWriteback() {
    explore("sub-pages with writeback", 256, 30, 5, FaultPlan.none().withWritebackProbability(0.5));
  }

  @Test
  void withFailedSyncs() {
    long checked = 0;
    for (long sync = 2; sync < 40; sync += 3) {
      checked += CrashExplorer.of("sub-pages, failed sync " + sync, workload(256, 20, List.of(Operation.values())), check(256))
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

  /** The check bites: a parent page allocated in a commit of its own leaks if a crash follows. */
  @Test
  void theCheckCatchesALeakedParentPage() {
    CrashWorkload<State> twoCommits = context -> {
      context.inFlight(State.EMPTY);
      try (Pager pager = Pager.create(context.storage(), OPTIONS)) {
        context.acknowledge(State.EMPTY);
        SubPageAllocator sub = SubPageAllocator.open(pager, BASE_SLOT, 64);
        context.inFlight(State.EMPTY);
        pager.alloc();                      // the flaw: the parent page commits before the sub-page
        SubPageId id = sub.alloc();
        context.acknowledge(State.EMPTY.change(List.of(), List.of(), List.of(id.value()), List.of()));
      }
    };
    CrashExploration result = CrashExplorer.of("leaky sub-page alloc", twoCommits, check(64)).withSeed(BASE_SEED).explore();
    assertThat(result.violations()).as("violations found by " + result).isNotEmpty();
    assertThat(result.violations().toString()).contains("leaked pages");
  }

  /** The check bites: a sub-page marked used in a page the pager never gave out is caught. */
  @Test
  void theCheckCatchesASubPageOutsideItsParent() {
    CrashWorkload<State> forged = context -> {
      context.inFlight(State.EMPTY);
      try (Pager pager = Pager.create(context.storage(), OPTIONS)) {
        context.acknowledge(State.EMPTY);
        State next = State.EMPTY.change(List.of(), List.of(), List.of(16L * 10), List.of());
        context.inFlight(next);
        try (Transaction tx = pager.begin()) {
          tx.bitmap(BASE_SLOT + 1).set(16L * 10);   // slot 0 of page 10, which is free
          tx.commit();
        }
        context.acknowledge(next);
      }
    };
    CrashExploration result = CrashExplorer.of("forged sub-page", forged, check(64)).withSeed(BASE_SEED).explore();
    assertThat(result.violations()).as("violations found by " + result).isNotEmpty();
    assertThat(result.violations().toString()).contains("sub-page allocator problems");
  }

  @AfterAll
  static void printTotal() {
    System.out.println("[crash explorer] crash states checked in this JVM so far: "
        + CrashExplorer.crashStatesCheckedInThisJvm());
  }
}
