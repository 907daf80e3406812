package io.github.pager.testkit;

import io.github.pager.allocator.PageWriter;
import io.github.pager.allocator.SubPageAllocator;
import io.github.pager.allocator.SubPageId;
import io.github.pager.core.GrowFailedException;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import io.github.pager.testkit.SubPageState.Stamp;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

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
    context.inFlight(SubPageState.EMPTY);
    Pager pager;
    try {
      pager = Pager.create(context.storage(), options);
    } catch (IOException e) {
      context.failed();
      return;
    }
    new Run(context, pager, SubPageAllocator.open(pager, BASE_SLOT, subPageSize)).run();
  }

  /** One run: the pager, the state acknowledged so far, and the counters behind the stamps. */
  private final class Run {
    private final CrashContext<SubPageState> context;
    private final SplittableRandom random;
    private final Set<Long> keptRegular = new HashSet<>();
    private final Set<Long> keptSubs = new HashSet<>();
    private Pager pager;
    private SubPageAllocator sub;
    private SubPageState state = SubPageState.EMPTY;
    private long lives;
    private long versions;

    Run(CrashContext<SubPageState> context, Pager pager, SubPageAllocator sub) {
      this.context = context;
      this.random = context.random();
      this.pager = pager;
      this.sub = sub;
    }

    void run() throws IOException {
      acknowledge(state);
      // After a restart the abandoned pager must not be closed: its storage died with the process.
      boolean abandoned = false;
      try {
        for (int i = tallPrefix > 0 ? -1 : 0; i < operations; i++) {
          Operation operation = mix.get(random.nextInt(mix.size()));
          try {
            if (i < 0) {
              growTall();
            } else if (operation == Operation.REOPEN || operation == Operation.RESTART) {
              context.inFlight(state);
              if (operation == Operation.REOPEN) {
                pager.close();
              }
              abandoned = true;
              pager = Pager.open(context.restart(), options);
              abandoned = false;
              sub = SubPageAllocator.open(pager, BASE_SLOT, subPageSize);
              SubPageCrashSuiteTest.checkRecovered(pager, sub, state, null);
              acknowledge(state);
            } else {
              step(operation);
            }
          } catch (GrowFailedException e) {
            context.rolledBack();
            if (i < 0) {
              return;
            }
          } catch (IOException e) {
            context.failed();
            return;
          }
        }
        context.inFlight(state);
        try {
          pager.close();
          acknowledge(state);
        } catch (IOException e) {
          context.failed();
        }
      } finally {
        if (!abandoned) {
          pager.close();
        }
      }
    }

    private void acknowledge(SubPageState next) {
      state = next.at(pager.generation());
      context.acknowledge(state);
    }

    /** The tall workload's first commit: a run of regular pages, and a sub-page past them. */
    private void growTall() throws IOException {
      try (Transaction tx = pager.begin()) {
        long first = tx.allocRun(tallPrefix).index();
        List<Long> run = new ArrayList<>();
        for (long page = first; page < first + tallPrefix; page++) {
          run.add(page);
        }
        SubPageId anchor = sub.alloc(tx);
        Stamp stamp = new Stamp(++lives, ++versions);
        stamp.writeTo(anchor.write(sub).segment(), anchor.value());
        SubPageState next = state.withRegular(run, List.of()).withSubs(List.of(), Map.of(anchor.value(), stamp));
        context.inFlight(next);
        tx.commit();
        keptRegular.addAll(run);
        keptSubs.add(anchor.value());
        acknowledge(next);
      }
      int height = usedBitmapHeight(pager);
      if (height < 2) {
        throw new AssertionError("a tall workload's used bitmap has height " + height + " with sub-page "
            + keptSubs + ": raise the prefix of " + tallPrefix + " pages");
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
          context.inFlight(next);
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
            context.inFlight(next);
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
          context.inFlight(next);
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
      context.inFlight(next);
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
        context.inFlight(next);
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
