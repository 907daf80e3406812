package io.github.pager.testkit;

import io.github.pager.allocator.PageWriter;
import io.github.pager.allocator.SubPageAllocator;
import io.github.pager.allocator.SubPageId;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import io.github.pager.core.TreeReport;
import io.github.pager.testkit.SubPageState.Stamp;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Drives a {@link SubPageAllocator} for the crash explorer: sub-page allocs, frees and rewrites
 * (single, bulk, and folded into larger transactions with regular allocs and frees, committed or
 * abandoned), reopens and restarts, stamping every sub-page it writes with its value, life and
 * version (see {@link SubPageState.Stamp}) so a check can tell whose bytes a sub-page holds.
 *
 * <p>Every operation reports one commit at most: an allocation through the one-commit forms is
 * acknowledged, then its stamps are written and synced as the next operation. Writes inside a
 * transaction land before its commit, which makes them durable with it.
 *
 * <p>A tall workload first takes a run of regular pages and one sub-page past them in one commit,
 * and never frees either: every parent page then lies past the first leaf of the used bitmap, so
 * the bitmap has height 2 or more throughout.
 */
final class SubPageWorkload implements CrashWorkload<SubPageState> {
  /** The allocator's first root slot. */
  static final int BASE_SLOT = 4;

  /** The operations a workload draws from. */
  enum Operation {
    SUB_ALLOC,
    SUB_ALLOC_BULK,
    SUB_FREE,
    SUB_FREE_BULK,
    SUB_REWRITE,
    REGULAR_ALLOC,
    REGULAR_FREE,
    MIXED_TRANSACTION,
    FREE_THEN_ALLOC,
    ABANDONED_TRANSACTION,
    REOPEN,
    RESTART
  }

  private final PagerOptions options;
  private final int subPageSize;
  private final int operations;
  private final List<Operation> mix;
  private final int tallPrefix;

  private SubPageWorkload(PagerOptions options, int subPageSize, int operations, List<Operation> mix, int tallPrefix) {
    this.options = options;
    this.subPageSize = subPageSize;
    this.operations = operations;
    this.mix = mix;
    this.tallPrefix = tallPrefix;
  }

  /**
   * A workload of {@code operations} operations drawn from {@code mix} (every operation when
   * empty).
   */
  static SubPageWorkload of(PagerOptions options, int subPageSize, int operations, Operation... mix) {
    return new SubPageWorkload(options, subPageSize, operations, List.of(mix.length == 0 ? Operation.values() : mix), 0);
  }

  /** This workload, starting with {@code prefix} regular pages and a sub-page past them, all kept to the end. */
  SubPageWorkload tall(int prefix) {
    return new SubPageWorkload(options, subPageSize, operations, mix, prefix);
  }

  /** The height of the used bitmap as of the last commit, from its root value (FORMAT.md). */
  static int usedBitmapHeight(Pager pager) {
    return Math.max(1, (int) ((pager.root(BASE_SLOT + 2) >>> 32) & 0xFF));
  }

  @Override
  public void run(CrashContext<SubPageState> context) throws Exception {
    List<CrashOperation<SubPageState, Target>> drawn = new ArrayList<>();
    for (Operation operation : mix) {
      drawn.add(switch (operation) {
        case REOPEN -> CrashOperation.reopen();
        case RESTART -> CrashOperation.restart();
        default -> (target, state, step) -> target.step(operation, state, step);
      });
    }
    ModelWorkload<SubPageState, Target> driver =
        ModelWorkload.of(() -> new Target(options, subPageSize, tallPrefix, null), operations, drawn);
    if (tallPrefix > 0) {
      driver = driver.startingWith(List.of((target, state, step) -> target.growTall(state, step)));
    }
    driver.run(context);
  }

  /**
   * Returns the crash check: see {@link Target#recover}.
   *
   * @param tallPrefix the regular pages a tall workload takes first, or 0
   * @param tallImages counts the images checked with a used bitmap of height 2 or more past a
   *     tall workload's first commit (and requires that height there); null for none
   */
  static CrashCheck<SubPageState> check(
      PagerOptions options, int subPageSize, int tallPrefix, @Nullable AtomicInteger tallImages) {
    return ModelWorkload.check(() -> new Target(options, subPageSize, tallPrefix, tallImages));
  }

  /**
   * The pager and its sub-page allocator, with what a run keeps across reopens: the counters
   * behind the stamps, and the pages a tall workload never frees.
   */
  static final class Target extends PagerTarget<SubPageState> {
    private final int subPageSize;
    private final int tallPrefix;
    private final @Nullable AtomicInteger tallImages;
    private final Set<Long> keptRegular = new HashSet<>();
    private final Set<Long> keptSubs = new HashSet<>();
    private @Nullable SubPageAllocator sub;
    private long lives;
    private long versions;

    Target(PagerOptions options, int subPageSize, int tallPrefix, @Nullable AtomicInteger tallImages) {
      super(options);
      this.subPageSize = subPageSize;
      this.tallPrefix = tallPrefix;
      this.tallImages = tallImages;
    }

    @Override
    public SubPageState emptyState() {
      return SubPageState.EMPTY;
    }

    /** Returns the empty state at the new file's generation, which the check compares with. */
    @Override
    public SubPageState create(SimulatedStorage storage) throws IOException {
      super.create(storage);
      return SubPageState.EMPTY.at(pager().generation());
    }

    @Override
    protected void opened(Pager opened) throws IOException {
      sub = SubPageAllocator.open(opened, BASE_SLOT, subPageSize);
    }

    @Override
    protected void closing() {
      sub = null;
    }

    /**
     * Requires the file to hold the acknowledged commit or the one in flight (the recovered
     * generation says which), and then:
     *
     * <ul>
     *   <li>the regular pages and handed-out sub-pages are exactly that commit's;
     *   <li>every sub-page of it holds the stamp it was last written with before that commit, or,
     *       for a sub-page the operation in flight rewrote in place, that one's (contents are not
     *       versioned); a sub-page handed out and not yet written may hold anything;
     *   <li>{@link SubPageAllocator#verify()} is empty, every page the allocator owns is
     *       allocated, every other allocated page is a regular page of the model (no parent page
     *       leaks), and {@link Pager#verify()} is clean.
     * </ul>
     *
     * @return the state found, with the stamps the sub-pages hold
     */
    @Override
    public SubPageState recover(CrashExpectation<SubPageState> expected) throws IOException {
      Pager open = pager();
      SubPageAllocator allocator = sub();
      TreeReport report = open.verify();
      if (!report.isClean()) {
        throw new AssertionError("free-space tree problems: " + report.problems());
      }
      List<String> problems = allocator.verify();
      if (!problems.isEmpty()) {
        throw new AssertionError("sub-page allocator problems: " + problems);
      }
      TreeSet<Long> notAllocated = new TreeSet<>(allocator.ownedPages());
      open.forEachAllocated(id -> notAllocated.remove(id.index()));
      if (!notAllocated.isEmpty()) {
        throw new AssertionError("pages " + notAllocated + " belong to the sub-page allocator but are free in the pager");
      }
      SubPageState acknowledged = expected.acknowledged();
      SubPageState inFlight = expected.inFlight();
      SubPageState found = atInFlightCommit(open.generation(), acknowledged, inFlight)
          ? recovered(open, allocator, Objects.requireNonNull(inFlight), acknowledged)
          : recovered(open, allocator, Objects.requireNonNull(acknowledged), inFlight);
      if (tallImages != null && open.allocatedPages().size() > tallPrefix) {
        int height = usedBitmapHeight(open);
        if (height < 2) {
          throw new AssertionError("the tall workload's used bitmap has height " + height);
        }
        tallImages.incrementAndGet();
      }
      return found.at(open.generation());
    }

    /**
     * Tells whether the recovered generation is that of the commit in flight rather than the
     * acknowledged one (a commit raises the generation); any other generation is a violation.
     */
    private static boolean atInFlightCommit(
        long generation, @Nullable SubPageState acknowledged, @Nullable SubPageState inFlight) {
      if (acknowledged != null && generation == acknowledged.generation()) {
        return false;
      }
      if (acknowledged != null && generation < acknowledged.generation()) {
        throw new AssertionError("recovered generation " + generation + ", older than the acknowledged " + acknowledged);
      }
      if (inFlight == null) {
        throw new AssertionError("recovered generation " + generation + " past the acknowledged " + acknowledged
            + ", with nothing in flight");
      }
      return true;
    }

    /**
     * Requires the open file to hold {@code model}: the same pages and sub-pages, and every
     * written sub-page its stamp, or the stamp {@code other} gives the same life (an in-place
     * rewrite that may or may not have reached the disk). Returns {@code model} with the stamps
     * found.
     */
    private static SubPageState recovered(
        Pager pager, SubPageAllocator sub, SubPageState model, @Nullable SubPageState other) throws IOException {
      TreeSet<Long> subs = new TreeSet<>();
      sub.forEachAllocated(id -> subs.add(id.value()));
      TreeSet<Long> regular = new TreeSet<>();
      pager.forEachAllocated(id -> regular.add(id.index()));
      regular.removeAll(sub.ownedPages());
      if (!model.sameAllocation(regular, subs)) {
        throw new AssertionError("recovered regular pages " + SubPageState.ranges(regular) + " and sub-pages " + subs
            + " at generation " + pager.generation() + ", not those of " + model + leaks(regular, model));
      }
      Map<Long, Stamp> found = new TreeMap<>();
      for (Map.Entry<Long, Stamp> entry : model.subs().entrySet()) {
        long value = entry.getKey();
        List<Stamp> allowed = new ArrayList<>(List.of(entry.getValue()));
        Stamp rewritten = other == null ? null : other.subs().get(value);
        if (rewritten != null && rewritten.life() == entry.getValue().life()) {
          allowed.add(rewritten);
        }
        if (allowed.stream().anyMatch(stamp -> !stamp.written())) {
          continue;
        }
        MemorySegment bytes = sub.handle(value).read(sub);
        Stamp held = allowed.stream().filter(stamp -> stamp.isIn(bytes, value)).findFirst().orElseThrow(
            () -> new AssertionError("sub-page " + value + " holds " + Stamp.describe(bytes, value) + ", not "
                + (allowed.size() == 1 ? allowed.getFirst() : "one of " + allowed) + "; recovered " + model));
        found.put(value, held);
      }
      return model.withSubs(List.of(), found);
    }

    /** Names pages that are allocated but neither regular in {@code model} nor the allocator's. */
    private static String leaks(NavigableSet<Long> regular, SubPageState model) {
      TreeSet<Long> leaked = new TreeSet<>(regular);
      leaked.removeAll(model.regular());
      return leaked.isEmpty() ? "" : "; leaked pages: " + leaked;
    }

    SubPageAllocator sub() {
      return Objects.requireNonNull(sub, "the pager is not open");
    }

    /** Runs one drawn operation. */
    SubPageState step(Operation operation, SubPageState state, CrashOperation.Step<SubPageState> step)
        throws IOException {
      Change change = new Change(state, step);
      change.step(operation);
      return change.state;
    }

    /** The tall workload's first commit: a run of regular pages, and a sub-page past them. */
    SubPageState growTall(SubPageState state, CrashOperation.Step<SubPageState> step) throws IOException {
      Change change = new Change(state, step);
      change.growTall(tallPrefix);
      return change.state;
    }

    /** One operation in progress: the state it started from, and its acknowledgements so far. */
    private final class Change {
      private final CrashOperation.Step<SubPageState> step;
      private final SplittableRandom random;
      private final Pager pager;
      private final SubPageAllocator sub;
      private SubPageState state;

      Change(SubPageState state, CrashOperation.Step<SubPageState> step) {
        this.state = state;
        this.step = step;
        this.random = step.random();
        this.pager = pager();
        this.sub = sub();
      }

      private void acknowledge(SubPageState next) {
        state = next.at(pager.generation());
        step.acknowledge(state);
      }

      private void growTall(int prefix) throws IOException {
        try (Transaction tx = pager.begin()) {
          long first = tx.allocRun(prefix).index();
          List<Long> run = new ArrayList<>();
          for (long page = first; page < first + prefix; page++) {
            run.add(page);
          }
          SubPageId anchor = sub.alloc(tx);
          Stamp stamp = new Stamp(++lives, ++versions);
          stamp.writeTo(anchor.write(sub).segment(), anchor.value());
          SubPageState next = state.withRegular(run, List.of()).withSubs(List.of(), Map.of(anchor.value(), stamp));
          step.inFlight(next);
          tx.commit();
          keptRegular.addAll(run);
          keptSubs.add(anchor.value());
          acknowledge(next);
        }
        int height = usedBitmapHeight(pager);
        if (height < 2) {
          throw new AssertionError("a tall workload's used bitmap has height " + height + " with sub-page "
              + keptSubs + ": raise the prefix of " + prefix + " pages");
        }
      }

      private void step(Operation operation) throws IOException {
        switch (operation) {
          case SUB_ALLOC, SUB_ALLOC_BULK -> {
            int count = operation == Operation.SUB_ALLOC ? 1 : 1 + random.nextInt(2 * sub.subPagesPerPage());
            List<Long> predicted = predictAllocs(count);
            Map<Long, Stamp> fresh = new TreeMap<>();
            for (long value : predicted) {
              fresh.put(value, new Stamp(++lives, 0));
            }
            SubPageState next = state.withSubs(List.of(), fresh);
            step.inFlight(next);
            List<Long> got = new ArrayList<>();
            if (operation == Operation.SUB_ALLOC) {
              got.add(sub.alloc().value());
            } else {
              sub.allocBulk(count).forEach(id -> got.add(id.value()));
            }
            if (!got.equals(predicted)) {
              throw new AssertionError("allocated " + got + " after a rolled-back dry run allocated " + predicted);
            }
            acknowledge(next);
            rewrite(got);
          }
          case SUB_FREE, SUB_FREE_BULK -> {
            List<Long> victims = pickSome(freeable(), operation == Operation.SUB_FREE ? 1 : 1 + random.nextInt(6));
            if (victims.isEmpty()) {
              step(Operation.SUB_ALLOC_BULK);
              return;
            }
            SubPageState next = state.withSubs(victims, Map.of());
            step.inFlight(next);
            List<SubPageId> handles = handles(victims);
            if (operation == Operation.SUB_FREE) {
              sub.free(handles.getFirst());
            } else {
              sub.freeBulk(handles);
            }
            acknowledge(next);
          }
          case SUB_REWRITE -> {
            List<Long> victims = pickSome(new ArrayList<>(state.subs().keySet()), 1 + random.nextInt(3));
            if (victims.isEmpty()) {
              step(Operation.SUB_ALLOC);
              return;
            }
            rewrite(victims);
          }
          case REGULAR_ALLOC -> {
            try (Transaction tx = pager.begin()) {
              List<Long> pages = new ArrayList<>();
              for (PageId id : tx.allocBulk(1 + random.nextInt(2))) {
                pages.add(id.index());
              }
              SubPageState next = state.withRegular(pages, List.of());
              step.inFlight(next);
              tx.commit();
              acknowledge(next);
            }
          }
          case REGULAR_FREE -> {
            List<Long> candidates = new ArrayList<>(state.regular());
            candidates.removeAll(keptRegular);
            if (candidates.isEmpty()) {
              step(Operation.REGULAR_ALLOC);
              return;
            }
            List<Long> victims = pickSome(candidates, 1);
            SubPageState next = state.withRegular(List.of(), victims);
            step.inFlight(next);
            pager.free(pager.pageId(victims.getFirst()));
            acknowledge(next);
          }
          case MIXED_TRANSACTION -> transaction(true, false);
          case ABANDONED_TRANSACTION -> transaction(false, random.nextBoolean());
          case FREE_THEN_ALLOC -> transaction(true, true);
          default -> throw new IllegalStateException("unhandled " + operation);
        }
      }

      /** Writes a new version of each sub-page's stamp in place and syncs: one operation. */
      private void rewrite(List<Long> values) throws IOException {
        Map<Long, Stamp> stamps = new TreeMap<>();
        for (long value : values) {
          stamps.put(value, new Stamp(Objects.requireNonNull(state.subs().get(value)).life(), ++versions));
        }
        SubPageState next = state.withSubs(List.of(), stamps);
        step.inFlight(next);
        int left = stamps.size();
        for (Map.Entry<Long, Stamp> entry : stamps.entrySet()) {
          try (PageWriter writer = sub.handle(entry.getKey()).write(sub)) {
            entry.getValue().writeTo(writer.segment(), entry.getKey());
            if (--left == 0) {
              writer.commit();
            }
          }
        }
        acknowledge(next);
      }

      /**
       * One transaction of sub-page allocs (each written, and maybe rewritten, before the commit),
       * frees, and regular allocs and frees; or, for {@code freeThenAlloc}, frees of committed
       * sub-pages followed by as many allocs. Committed sub-pages are rewritten by {@link
       * Operation#SUB_REWRITE} only: bytes written in place outlive a transaction that rolls back
       * after a failed growth, which the state of a rolled-back operation cannot express.
       */
      private void transaction(boolean commit, boolean freeThenAlloc) throws IOException {
        Map<Long, SubPageId> subLive = new TreeMap<>();
        for (long value : state.subs().keySet()) {
          subLive.put(value, sub.handle(value));
        }
        List<Long> regularLive = new ArrayList<>(state.regular());
        Map<Long, Stamp> put = new TreeMap<>();
        List<Long> removed = new ArrayList<>();
        List<Long> regularAdded = new ArrayList<>();
        List<Long> regularRemoved = new ArrayList<>();
        try (Transaction tx = pager.begin()) {
          if (freeThenAlloc) {
            List<Long> victims = pickSome(freeable(), 1 + random.nextInt(3));
            freeIn(tx, victims, subLive, put, removed);
            for (int n = victims.size(); n > 0; n--) {
              allocIn(tx, subLive, put);
            }
          }
          for (int k = freeThenAlloc ? 0 : 2 + random.nextInt(5); k > 0; k--) {
            int choice = random.nextInt(5);
            List<Long> freeable = new ArrayList<>(subLive.keySet());
            freeable.removeAll(keptSubs);
            if (choice == 0 || (choice == 1 && freeable.isEmpty())) {
              allocIn(tx, subLive, put);
            } else if (choice == 1) {
              freeIn(tx, pickSome(freeable, 1 + random.nextInt(3)), subLive, put, removed);
            } else if (choice == 2 && !put.isEmpty()) {
              List<Long> fresh = new ArrayList<>(put.keySet());
              long value = fresh.get(random.nextInt(fresh.size()));
              Stamp stamp = new Stamp(Objects.requireNonNull(put.get(value)).life(), ++versions);
              stamp.writeTo(Objects.requireNonNull(subLive.get(value)).write(sub).segment(), value);
              put.put(value, stamp);
            } else if (choice <= 3 || regularLive.isEmpty()) {
              long page = tx.alloc().index();
              regularLive.add(page);
              regularAdded.add(page);
            } else {
              List<Long> candidates = new ArrayList<>(regularLive);
              candidates.removeAll(keptRegular);
              if (candidates.isEmpty()) {
                continue;
              }
              long page = candidates.get(random.nextInt(candidates.size()));
              regularLive.remove(page);
              tx.free(pager.pageId(page));
              if (!regularAdded.remove(page)) {
                regularRemoved.add(page);
              }
            }
          }
          SubPageState next = commit ? state.withSubs(removed, put).withRegular(regularAdded, regularRemoved) : state;
          step.inFlight(next);
          if (commit) {
            tx.commit();
          }
          // Otherwise closing rolls it back: the state stays as it was.
          acknowledge(next);
        }
      }

      /** Allocates a sub-page in {@code tx} and writes a new life's stamp into it. */
      private void allocIn(Transaction tx, Map<Long, SubPageId> subLive, Map<Long, Stamp> put) throws IOException {
        SubPageId id = sub.alloc(tx);
        Stamp stamp = new Stamp(++lives, ++versions);
        stamp.writeTo(id.write(sub).segment(), id.value());
        subLive.put(id.value(), id);
        put.put(id.value(), stamp);
      }

      private void freeIn(
          Transaction tx, List<Long> victims, Map<Long, SubPageId> subLive, Map<Long, Stamp> put, List<Long> removed)
          throws IOException {
        List<SubPageId> handles = new ArrayList<>();
        for (long victim : victims) {
          handles.add(Objects.requireNonNull(subLive.remove(victim)));
        }
        if (handles.isEmpty()) {
          return;
        }
        sub.freeBulk(tx, handles);
        for (long victim : victims) {
          // A sub-page allocated earlier in this transaction just disappears from it.
          if (put.remove(victim) == null || state.subs().containsKey(victim)) {
            removed.add(victim);
          }
        }
      }

      /**
       * The values the next {@code count} allocations will hand out, found by allocating them in a
       * transaction that is rolled back: the in-flight state must be declared before the commit,
       * for the case where it fails with an unknown outcome.
       */
      private List<Long> predictAllocs(int count) throws IOException {
        List<Long> values = new ArrayList<>();
        try (Transaction tx = pager.begin()) {
          for (int i = 0; i < count; i++) {
            values.add(sub.alloc(tx).value());
          }
        }
        return values;
      }

      private List<Long> freeable() {
        List<Long> values = new ArrayList<>(state.subs().keySet());
        values.removeAll(keptSubs);
        return values;
      }

      private List<SubPageId> handles(List<Long> values) throws IOException {
        List<SubPageId> handles = new ArrayList<>();
        for (long value : values) {
          handles.add(sub.handle(value));
        }
        return handles;
      }

      private List<Long> pickSome(List<Long> from, int count) {
        List<Long> pool = new ArrayList<>(new TreeSet<>(from));
        List<Long> picked = new ArrayList<>();
        for (int i = 0; i < count && !pool.isEmpty(); i++) {
          picked.add(pool.remove(random.nextInt(pool.size())));
        }
        return picked;
      }
    }
  }
}
