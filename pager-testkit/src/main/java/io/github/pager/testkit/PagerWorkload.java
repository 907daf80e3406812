package io.github.pager.testkit;

import io.github.pager.core.GrowFailedException;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.PagerUnavailableException;
import io.github.pager.core.Snapshot;
import io.github.pager.core.Transaction;
import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * A random workload over the pager's whole API, for the crash explorer: it creates a page file,
 * then runs a number of operations drawn from a mix, reporting each acknowledged one with the
 * {@link PagerState} it left. Pair it with {@link PagerCheck#standard}.
 *
 * <pre>{@code
 * PagerOptions options = PagerOptions.defaults().withPageSize(1024);
 * CrashExplorer.of("pager", PagerWorkload.of(options, 30, Operation.ALLOC, Operation.FREE),
 *     PagerCheck.standard(options)).explore().assertNoViolations();
 * }</pre>
 *
 * <p>It runs on {@link ModelWorkload}, which handles failures: a {@link GrowFailedException}
 * rolls the operation back; after any other {@link IOException} it reboots, reopens the file and
 * goes on from what survived. This workload adds what a user relies on then:
 *
 * <ul>
 *   <li>a pager poisoned by a failed sync refuses every further change and every sync with
 *       {@link PagerUnavailableException}, and still closes;
 *   <li>the reopened file holds the last durable commit: the acknowledged state or the one in
 *       flight, wholly, by {@link PagerCheck#verify}; stamps are read back from the pages, since a
 *       failed sync may have written either value.
 * </ul>
 *
 * <p>Either check failing throws an {@link AssertionError} out of the workload, which the explorer
 * reports with its seed.
 */
public final class PagerWorkload implements CrashWorkload<PagerState> {

  /** The operations a workload draws from; each is one acknowledged unit. */
  public enum Operation {
    /** Allocate one page, stamp it, commit. */
    ALLOC,
    /** Free one allocated page in its own commit. */
    FREE,
    /** Allocate several pages in one transaction, stamping some. */
    ALLOC_BULK,
    /** Free several pages in one commit. */
    FREE_BULK,
    /** Allocate a run of consecutive pages. */
    ALLOC_RUN,
    /** Change root values, with an allocation and a free in the same transaction. */
    ROOTS,
    /** Grow the file by several pages in a commit of its own. */
    GROW,
    /** Rewrite the stamp of an allocated page and make it durable with {@link Pager#sync()}. */
    WRITE_AND_SYNC,
    /** Close the pager cleanly and open it again (the page cache survives). */
    REOPEN,
    /** Abandon the pager without closing, as a killed process would, and open it again. */
    RESTART,
    /**
     * Take a snapshot of the last commit and hold it over the operations that follow, or check
     * and close one held (at most four are held). While a snapshot is held, no allocation may hand
     * out a page allocated at its commit (the reuse rule), and its view keeps that commit's
     * allocation. Snapshots do not survive a reopen: they are closed before one.
     */
    SNAPSHOT,
    /**
     * Change root values only: a commit that frees no page, which still cuts pending list pages
     * whose runs are all released (FORMAT.md, "Pending list").
     */
    ROOTS_ONLY
  }

  /** A snapshot the workload holds, with the state of the commit it pins. */
  private record Held(Snapshot snapshot, PagerState state) {}

  private final PagerOptions options;
  private final int operations;
  private final List<Operation> mix;
  private final UnaryOperator<Storage> wrapper;

  /** The page count and the run the first commit after create sets up; 0 and 0: none. */
  private final long setupPageCount;

  private final long setupRun;

  private PagerWorkload(
      PagerOptions options, int operations, List<Operation> mix, UnaryOperator<Storage> wrapper,
      long setupPageCount, long setupRun) {
    if (mix.isEmpty()) {
      throw new IllegalArgumentException("a workload needs at least one operation");
    }
    if (setupPageCount < 0 || setupRun < 0) {
      throw new IllegalArgumentException("page count " + setupPageCount + " and run " + setupRun + " must not be negative");
    }
    this.options = options;
    this.operations = operations;
    this.mix = List.copyOf(mix);
    this.wrapper = wrapper;
    this.setupPageCount = setupPageCount;
    this.setupRun = setupRun;
  }

  /**
   * Returns this workload with the pager opened on a wrapper of the simulated storage, such as a
   * decorator under test or a deliberately broken one.
   *
   * @param wrapper turns the simulated storage into the one the pager uses
   * @return the changed workload
   */
  public PagerWorkload withStorageWrapper(UnaryOperator<Storage> wrapper) {
    return new PagerWorkload(options, operations, mix, wrapper, setupPageCount, setupRun);
  }

  /**
   * Returns this workload starting with one more commit, right after create: the file grows to
   * {@code pageCount} pages and a run of {@code run} pages is allocated (not stamped). It is
   * crashed and acknowledged like any other operation.
   *
   * <p>This is how a short workload reaches a tall free-space tree: with 1 KiB pages a leaf
   * covers 8,064 pages, so a larger page count gives the tree a second level from the first
   * commit on, and a run that fills most of the first leaf sends later allocations past it.
   * Use sparse options to keep the simulated file's writes small.
   *
   * @param pageCount the page count to grow to (no growth when not above the current count)
   * @param run how many pages to allocate in one run, zero or more
   * @return the changed workload
   */
  public PagerWorkload startingWith(long pageCount, long run) {
    return new PagerWorkload(options, operations, mix, wrapper, pageCount, run);
  }

  /**
   * Creates a workload.
   *
   * @param options the options to create and open the file with
   * @param operations how many operations to run after creating the file
   * @param mix the operations to draw from, uniformly (none: all of them)
   * @return the workload
   */
  public static PagerWorkload of(PagerOptions options, int operations, Operation... mix) {
    Set<Operation> set = mix.length == 0 ? EnumSet.allOf(Operation.class) : EnumSet.noneOf(Operation.class);
    set.addAll(List.of(mix));
    return new PagerWorkload(options, operations, List.copyOf(set), UnaryOperator.identity(), 0, 0);
  }

  @Override
  public void run(CrashContext<PagerState> context) throws Exception {
    model().run(context);
  }

  /**
   * Explores cycles of crash, reopen and more operations of this workload: see {@link
   * ModelWorkload#exploreCycles}.
   *
   * @param explorer an explorer of this workload, with the check and settings to use throughout
   * @param cycles how many explorations to run, one or more
   * @return the explorations in order, each of which passed
   * @throws Exception when a crash state cannot be read back to continue from
   */
  public List<CrashExploration> exploreCycles(CrashExplorer<PagerState> explorer, int cycles) throws Exception {
    return model().exploreCycles(explorer, cycles);
  }

  /** This workload on the model-based driver. */
  private ModelWorkload<PagerState, Target> model() {
    List<CrashOperation<PagerState, Target>> operationsToDraw = new ArrayList<>();
    for (Operation operation : mix) {
      operationsToDraw.add(switch (operation) {
        case REOPEN -> CrashOperation.reopen();
        case RESTART -> CrashOperation.restart();
        case SNAPSHOT -> (target, state, step) -> {
          target.holdOrRelease(state, step.random());
          return state;
        };
        default -> (target, state, step) -> {
          PagerState next = step(operation, target.pager(), state, step, step.random());
          target.requireNotPinned(state, next);
          return next;
        };
      });
    }
    ModelWorkload<PagerState, Target> driver = ModelWorkload.of(() -> new Target(options, wrapper), operations, operationsToDraw);
    if (setupPageCount != 0 || setupRun != 0) {
      driver = driver.startingWith(List.of((target, state, step) -> setUp(target.pager(), state, step)));
    }
    return driver;
  }

  /**
   * The pager a workload drives, with the snapshots it holds; after a failure it checks that a
   * poisoned pager refuses every change, and it recovers by {@link PagerCheck#verify}.
   */
  private static final class Target extends PagerTarget<PagerState> {
    private final UnaryOperator<Storage> wrapper;
    private final List<Held> held = new ArrayList<>();

    Target(PagerOptions options, UnaryOperator<Storage> wrapper) {
      super(options);
      this.wrapper = wrapper;
    }

    @Override
    public PagerState emptyState() {
      return PagerState.empty();
    }

    @Override
    protected Storage storage(SimulatedStorage simulated) {
      return wrapper.apply(simulated);
    }

    /**
     * Verifies the pager against both states (PagerCheck), then reads the stamps back from the
     * pages, since a failed sync may have written either value.
     */
    @Override
    public PagerState recover(CrashExpectation<PagerState> expected) throws IOException {
      Pager open = pager();
      try {
        PagerCheck.verify(open, expected);
      } catch (AssertionError e) {
        throw new AssertionError(open + " did not recover the last durable commit: " + e.getMessage(), e);
      }
      PagerState read = PagerState.read(open);
      PagerState base = Objects.requireNonNull(read.sameAllocation(expected.acknowledged()) ? expected.acknowledged() : expected.inFlight());
      PagerState learned = base;
      for (long page : base.stamps().keySet()) {
        learned = learned.withStamp(page, open.page(open.pageId(page)).getLong(0));
      }
      return learned;
    }

    @Override
    protected void closing() {
      closeAll();
    }

    @Override
    public void afterFailure(IOException failure, PagerState state) {
      closeAll();
      if (failure instanceof PagerUnavailableException && isOpen()) {
        requireRefusal(pager(), state, failure);
      }
    }

    /**
     * Takes a snapshot of the last commit, or checks a held one against the state of its commit
     * and closes it.
     */
    void holdOrRelease(PagerState state, SplittableRandom random) throws IOException {
      if (held.size() >= 4 || (!held.isEmpty() && random.nextBoolean())) {
        Held release = held.remove(random.nextInt(held.size()));
        try (Snapshot snapshot = release.snapshot()) {
          List<Long> seen = new ArrayList<>();
          snapshot.forEachAllocated(id -> seen.add(id.index()));
          if (!seen.equals(List.copyOf(release.state().allocated()))) {
            throw new AssertionError("a snapshot of generation " + snapshot.generation() + " reads the allocation "
                + seen + ", not its commit's " + release.state().allocated());
          }
        }
      } else {
        held.add(new Held(pager().snapshot(), state));
      }
    }

    /** Requires the pages an operation allocated to be none that a held snapshot's commit reaches. */
    void requireNotPinned(PagerState before, PagerState after) {
      for (long page : after.allocated()) {
        if (before.allocated().contains(page)) {
          continue;
        }
        for (Held snapshot : held) {
          if (snapshot.state().allocated().contains(page)) {
            throw new AssertionError("page " + page + " was handed out while a snapshot of generation "
                + snapshot.snapshot().generation() + ", which reaches it, is open");
          }
        }
      }
    }

    /** Closes every held snapshot: before a reopen, and when the pager is gone. */
    private void closeAll() {
      for (Held snapshot : held) {
        snapshot.snapshot().close();
      }
      held.clear();
    }
  }

  private static PagerState step(
      Operation operation, Pager pager, PagerState state, CrashOperation.Step<PagerState> step, SplittableRandom random)
      throws IOException {
    List<Long> allocated = new ArrayList<>(state.allocated());
    switch (operation) {
      case FREE, FREE_BULK -> {
        if (allocated.isEmpty()) {
          return step(Operation.ALLOC, pager, state, step, random);
        }
        int count = operation == Operation.FREE ? 1 : 1 + random.nextInt(Math.min(4, allocated.size()));
        long[] victims = new long[count];
        List<PageId> ids = new ArrayList<>();
        for (int k = 0; k < count; k++) {
          victims[k] = allocated.remove(random.nextInt(allocated.size()));
          ids.add(pager.pageId(victims[k]));
        }
        PagerState next = state.withFreed(victims);
        step.inFlight(next);
        pager.freeBulk(ids);
        return next;
      }
      case WRITE_AND_SYNC -> {
        if (allocated.isEmpty()) {
          return step(Operation.ALLOC, pager, state, step, random);
        }
        long page = allocated.get(random.nextInt(allocated.size()));
        step.inFlight(state.withStamp(page, stampValue(random)));
        PagerState next = state.stamp(pager, pager.pageId(page), stampValue(random));
        step.inFlight(next);
        pager.sync();
        return next;
      }
      default -> {
        try (Transaction tx = pager.begin()) {
          PagerState next = state;
          switch (operation) {
            case ALLOC -> next = allocate(pager, next, List.of(tx.alloc()), random);
            case ALLOC_BULK -> next = allocate(pager, next, tx.allocBulk(2 + random.nextInt(5)), random);
            case ALLOC_RUN -> {
              int count = 2 + random.nextInt(6);
              PageId first = tx.allocRun(count);
              List<PageId> run = new ArrayList<>();
              for (int k = 0; k < count; k++) {
                run.add(pager.pageId(first.index() + k));
              }
              next = allocate(pager, next, run, random);
            }
            case ROOTS -> {
              next = allocate(pager, next, List.of(tx.alloc()), random);
              if (!allocated.isEmpty() && random.nextBoolean()) {
                long victim = allocated.get(random.nextInt(allocated.size()));
                tx.free(pager.pageId(victim));
                next = next.withFreed(victim);
              }
              for (int k = 1 + random.nextInt(3); k > 0; k--) {
                int slot = random.nextInt(Transaction.ROOT_SLOTS);
                long value = random.nextLong();
                tx.setRoot(slot, value);
                next = next.withRoot(slot, value);
              }
            }
            case ROOTS_ONLY -> {
              for (int k = 1 + random.nextInt(3); k > 0; k--) {
                int slot = random.nextInt(Transaction.ROOT_SLOTS);
                long value = random.nextLong();
                tx.setRoot(slot, value);
                next = next.withRoot(slot, value);
              }
            }
            case GROW -> tx.ensurePageCount(pager.pageCount() + 4 + random.nextInt(24));
            default -> throw new IllegalStateException("unhandled " + operation);
          }
          step.inFlight(next);
          tx.commit();
          return next;
        }
      }
    }
  }

  /** The set-up commit of {@link #startingWith}. */
  private PagerState setUp(Pager pager, PagerState state, CrashOperation.Step<PagerState> step) throws IOException {
    try (Transaction tx = pager.begin()) {
      tx.ensurePageCount(setupPageCount);
      PagerState next = state;
      if (setupRun > 0) {
        long first = tx.allocRun(setupRun).index();
        long[] run = new long[(int) setupRun];
        for (int k = 0; k < run.length; k++) {
          run[k] = first + k;
        }
        next = next.withAllocated(run);
      }
      step.inFlight(next);
      tx.commit();
      return next;
    }
  }

  /**
   * Requires a pager whose sync failed to refuse every change and every sync, before touching
   * storage: after a failed sync it can no longer tell what is durable, and a later sync that
   * succeeds proves nothing (the kernel marked the failed pages clean).
   */
  private static void requireRefusal(Pager pager, PagerState state, IOException failure) {
    requireRefusal("begin", () -> pager.begin().close(), failure);
    requireRefusal("alloc", pager::alloc, failure);
    requireRefusal("allocBulk", () -> pager.allocBulk(2), failure);
    requireRefusal("allocRun", () -> pager.allocRun(2), failure);
    if (!state.allocated().isEmpty()) {
      PageId page = pager.pageId(state.allocated().first());
      requireRefusal("free", () -> pager.free(page), failure);
      requireRefusal("freeBulk", () -> pager.freeBulk(List.of(page)), failure);
    }
    requireRefusal("sync", pager::sync, failure);
  }

  /** A call on the pager, for {@link #requireRefusal}. */
  @FunctionalInterface
  private interface PagerCall {
    void run() throws IOException;
  }

  private static void requireRefusal(String name, PagerCall call, IOException failure) {
    try {
      call.run();
    } catch (PagerUnavailableException expected) {
      return;
    } catch (IOException | RuntimeException e) {
      throw new AssertionError(name + " after a failed sync threw " + e + ", not PagerUnavailableException", e);
    }
    throw new AssertionError(
        name + " was accepted after a failed sync (" + failure.getMessage()
            + "): a pager that keeps working can acknowledge what never reached the disk");
  }

  /** Records newly allocated pages, stamping about half of them before the commit. */
  private static PagerState allocate(Pager pager, PagerState state, List<PageId> ids, SplittableRandom random) {
    long[] indexes = ids.stream().mapToLong(PageId::index).toArray();
    PagerState next = state.withAllocated(indexes);
    for (PageId id : ids) {
      if (random.nextBoolean()) {
        next = next.stamp(pager, id, stampValue(random));
      }
    }
    return next;
  }

  private static long stampValue(SplittableRandom random) {
    return random.nextLong() | 1;
  }

  @Override
  public String toString() {
    String setup = setupPageCount == 0 && setupRun == 0 ? "" : ", starting with " + setupPageCount + " pages and a run of " + setupRun;
    return "PagerWorkload[" + operations + " operations of " + mix + setup + ", " + options + "]";
  }
}
