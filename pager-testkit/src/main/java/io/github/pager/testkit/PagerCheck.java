package io.github.pager.testkit;

import io.github.pager.core.NotAPageFileException;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import io.github.pager.core.TreeReport;
import io.github.pager.core.TruncatedPageFileException;
import java.io.IOException;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The standard crash check for a pager: the image opens cleanly, every acknowledged commit is
 * present, nothing of an unacknowledged one is partly present, and the free-space accounting
 * adds up.
 *
 * <p>In detail, after reopening the image:
 *
 * <ul>
 *   <li>it opens, unless no commit was acknowledged yet (a crash while creating the file may
 *       leave a file without the page-file magic);
 *   <li>{@link Pager#verify()} finds no problem: checksums, headers, FULL flags, the recorded free
 *       count equals the counted one, every tree page is in use;
 *   <li>allocation and roots equal the acknowledged state or the state in flight, wholly;
 *   <li>every stamped page holds its stamp: the recovered state's, or (when the recovered state
 *       is the acknowledged one) the in-flight one's, since page writes are not versioned;
 *   <li>{@code freePageCount == pageCount - 3 - treeNodeCount - allocated}: every page is
 *       reserved, a tree node, allocated or free, and exactly one of them.
 * </ul>
 */
public final class PagerCheck implements CrashCheck<PagerState> {
  /** The pages before the first data page: superblock and the two metadata copies. */
  private static final int RESERVED_PAGES = 3;

  private final PagerOptions options;

  private PagerCheck(PagerOptions options) {
    this.options = options;
  }

  /**
   * Returns the standard check, reopening images with the given options.
   *
   * @param options the options to open with (page size, durability)
   * @return the check
   */
  public static PagerCheck standard(PagerOptions options) {
    return new PagerCheck(Objects.requireNonNull(options));
  }

  /**
   * Returns the standard check followed by crashes of the recovery itself: from each image that
   * opens, an exploration crashes the next process at every storage call as it opens the file,
   * commits twice (an allocation, then a free with a root change) and closes, and judges each of
   * those images with the standard check, which opens the file once more. So a recovery that a
   * crash interrupts (a fallback to the alternate copy, a damaged superblock rewritten by the
   * first commit, the pending list taken back) must leave a file that recovers again.
   *
   * <p>Costs one nested exploration per image: use it on short workloads.
   *
   * @param options the options to open with
   * @param randomImages random images per crash point of the nested explorations
   * @return the check
   */
  public static CrashCheck<PagerState> crashingRecovery(PagerOptions options, int randomImages) {
    PagerCheck standard = standard(options);
    return (crashed, expected) -> {
      byte[] image = crashed.durableImage();
      PagerState recovered;
      Pager pager = openAfterCrash(crashed, options, expected);
      if (pager == null) {
        return;
      }
      try (pager) {
        verify(pager, expected);
        recovered = PagerState.read(pager);
      }
      CrashExplorer.of(crashed.describe() + ", then crashed again while recovering", recovery(options, recovered), standard)
          .startingFrom(image)
          .withSeed(java.util.Arrays.hashCode(image))
          .withRandomImages(randomImages)
          .withParallelChecks(false)
          .quietly()
          .explore()
          .assertNoViolations();
    };
  }

  /** Opens a recovered file, commits twice and closes it: the process after a crash. */
  private static CrashWorkload<PagerState> recovery(PagerOptions options, PagerState recovered) {
    return context -> {
      context.inFlight(recovered);
      Pager pager = Pager.open(context.storage(), options);
      context.acknowledge(recovered);
      PagerState state = recovered;
      try (pager) {
        try (Transaction tx = pager.begin()) {
          PageId page = tx.alloc();
          PagerState next = state.withAllocated(page.index());
          context.inFlight(next);
          tx.commit();
          state = next;
        }
        context.acknowledge(state);
        try (Transaction tx = pager.begin()) {
          long victim = state.allocated().first();
          tx.free(pager.pageId(victim));
          tx.setRoot(1, victim);
          PagerState next = state.withFreed(victim).withRoot(1, victim);
          context.inFlight(next);
          tx.commit();
          state = next;
        }
        context.acknowledge(state);
        context.inFlight(state);
      }
      context.acknowledge(state);
    };
  }

  @Override
  public void check(SimulatedStorage crashed, CrashExpectation<PagerState> expected) throws IOException {
    Pager pager = openAfterCrash(crashed, options, expected);
    if (pager == null) {
      return;
    }
    try (pager) {
      verify(pager, expected);
    }
  }

  /**
   * Opens a crashed image, or returns null when nothing was acknowledged and the crash came
   * before create finished (the file then holds no page file yet, which is allowed).
   *
   * @throws AssertionError when the file does not open although a commit was acknowledged
   */
  static @Nullable Pager openAfterCrash(SimulatedStorage crashed, PagerOptions options, CrashExpectation<?> expected)
      throws IOException {
    try {
      return Pager.open(crashed, options);
    } catch (NotAPageFileException | TruncatedPageFileException e) {
      if (expected.acknowledged() == null) {
        return null;
      }
      throw new AssertionError("the file no longer opens although commits were acknowledged: " + e, e);
    }
  }

  /**
   * Checks an open pager against what a crash must preserve; usable on a real file too.
   *
   * @param pager the reopened pager
   * @param expected the acknowledged and in-flight states
   * @throws IOException when the pager cannot be read
   * @throws AssertionError naming the first invariant that does not hold
   */
  public static void verify(Pager pager, CrashExpectation<PagerState> expected) throws IOException {
    TreeReport report = pager.verify();
    if (!report.isClean()) {
      throw new AssertionError("free-space tree problems: " + report.problems());
    }
    PagerState actual = PagerState.read(pager);
    PagerState acknowledged = expected.acknowledged();
    PagerState inFlight = expected.inFlight();
    boolean isAcknowledged = actual.sameAllocation(acknowledged);
    boolean isInFlight = actual.sameAllocation(inFlight);
    if (!isAcknowledged && !isInFlight) {
      throw new AssertionError(
          "recovered " + actual + " is neither the acknowledged " + acknowledged + " nor the in-flight " + inFlight);
    }
    checkStamps(pager, isAcknowledged ? acknowledged : null, inFlight);
    long allocated = actual.allocated().size();
    long expectedFree =
        report.pageCount() - RESERVED_PAGES - report.treeNodeCount() - report.pendingListPageCount() - allocated;
    if (pager.freePageCount() != expectedFree || report.countedFreeCount() != expectedFree) {
      throw new AssertionError(
          "free counts disagree: metadata says " + pager.freePageCount() + ", the tree counts "
              + report.countedFreeCount() + ", but " + report.pageCount() + " pages - 3 reserved - "
              + report.treeNodeCount() + " tree nodes - " + report.pendingListPageCount() + " pending list pages - "
              + allocated + " allocated = " + expectedFree);
    }
    if (!actual.allocated().isEmpty() && actual.allocated().last() >= pager.pageCount()) {
      throw new AssertionError("page " + actual.allocated().last() + " is allocated beyond the page count " + pager.pageCount());
    }
  }

  /**
   * Each stamped page of the recovered state holds its stamp; when the recovered state is the
   * acknowledged one, an in-flight write to the same page may also have reached the disk.
   */
  private static void checkStamps(Pager pager, @Nullable PagerState acknowledged, @Nullable PagerState inFlight) throws IOException {
    Set<Long> pages = new HashSet<>();
    if (acknowledged != null) {
      pages.addAll(acknowledged.stamps().keySet());
    } else if (inFlight != null) {
      pages.addAll(inFlight.stamps().keySet());
    }
    for (long page : pages) {
      long value = pager.page(pager.pageId(page)).getLong(0);
      Long acked = acknowledged == null ? null : acknowledged.stamps().get(page);
      Long flight = inFlight == null ? null : inFlight.stamps().get(page);
      boolean allowed = acknowledged != null
          ? Objects.equals(acked, value) || Objects.equals(flight, value)
          : Objects.equals(flight, value);
      if (!allowed) {
        throw new AssertionError(
            "page " + page + " holds stamp " + value + ", expected " + describe(acked, flight, acknowledged != null));
      }
    }
  }

  private static String describe(@Nullable Long acked, @Nullable Long flight, boolean recoveredAcknowledged) {
    return recoveredAcknowledged ? acked + " (acknowledged) or " + flight + " (in flight)" : flight + " (in flight, whose commit was recovered)";
  }

  @Override
  public String toString() {
    return "PagerCheck.standard(" + options + ")";
  }
}
