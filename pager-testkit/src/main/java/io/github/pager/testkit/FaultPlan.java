package io.github.pager.testkit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Which failures a {@link SimulatedStorage} injects, and when: at chosen calls, or at random
 * from a seed. Immutable; each {@code with}/{@code failing} method returns a changed copy.
 *
 * <p>Calls are counted per family, from 0: syncs ({@code sync} and {@code syncAll} together),
 * growth ({@code extend} and {@code reserve} together), and maps. Counting per family keeps a
 * plan readable ("the third sync fails") and stable when a change adds calls of another family.
 *
 * <pre>{@code
 * FaultPlan plan = FaultPlan.none().withSeed(42).failingSync(3).failingExtendWithProbability(0.1);
 * }</pre>
 *
 * <p>What each failure does is the Linux behaviour the pager must survive:
 *
 * <ul>
 *   <li>A failed sync throws {@link java.io.IOException}; each dirty OS page in its range reached
 *       the disk wholly, not at all, or torn, chosen from the seed, and the kernel treats it as
 *       clean afterwards, so a later sync will not write it again.
 *   <li>A failed extend or reserve (a full disk) throws and changes nothing.
 *   <li>A failed map throws and changes nothing.
 *   <li>Spontaneous writeback: before each intercepted call, with the given probability, the
 *       kernel writes back a random half of the dirty OS pages, so the disk may hold states the
 *       cache held only briefly.
 *   <li>A lost write: a sync succeeds, but one OS page it covered keeps its old content on disk
 *       (a device that acknowledged a write it did not make).
 *   <li>A misdirected write: a sync succeeds, but one OS page's new content lands on another
 *       page of the file, and the page meant keeps its old content.
 *   <li>A lost extension: an {@code extend} succeeds, but the disk keeps the old length while
 *       later writes are durable.
 *   <li>Power-safe-overwrite violations: a crash image's torn page may also hold garbage in a
 *       sector the write did not change.
 * </ul>
 *
 * <p>Bit rot is injected on an image rather than planned: see {@link SimulatedStorage#rotBit}.
 */
public final class FaultPlan {
  private static final long[] NONE = new long[0];
  private static final FaultPlan NO_FAULTS = new FaultPlan(0, NONE, 0, NONE, 0, NONE, 0, 0, NONE, NONE, NONE, false);

  private final long seed;
  private final long[] syncFailures;
  private final double syncFailureProbability;
  private final long[] growFailures;
  private final double growFailureProbability;
  private final long[] mapFailures;
  private final double mapFailureProbability;
  private final double writebackProbability;
  private final long[] lostWrites;
  private final long[] misdirectedWrites;
  private final long[] lostExtensions;
  private final boolean powersafeOverwriteViolations;

  private FaultPlan(
      long seed,
      long[] syncFailures,
      double syncFailureProbability,
      long[] growFailures,
      double growFailureProbability,
      long[] mapFailures,
      double mapFailureProbability,
      double writebackProbability,
      long[] lostWrites,
      long[] misdirectedWrites,
      long[] lostExtensions,
      boolean powersafeOverwriteViolations) {
    this.seed = seed;
    this.syncFailures = syncFailures;
    this.syncFailureProbability = syncFailureProbability;
    this.growFailures = growFailures;
    this.growFailureProbability = growFailureProbability;
    this.mapFailures = mapFailures;
    this.mapFailureProbability = mapFailureProbability;
    this.writebackProbability = writebackProbability;
    this.lostWrites = lostWrites;
    this.misdirectedWrites = misdirectedWrites;
    this.lostExtensions = lostExtensions;
    this.powersafeOverwriteViolations = powersafeOverwriteViolations;
  }

  /**
   * Returns the plan that injects nothing: every call succeeds and nothing is written back
   * before it is synced.
   *
   * @return the empty plan
   */
  public static FaultPlan none() {
    return NO_FAULTS;
  }

  /**
   * Sets the seed of every random choice the plan makes (which calls fail when failing at
   * random, and what a failed sync left on disk).
   *
   * @param seed any value
   * @return the changed plan
   */
  public FaultPlan withSeed(long seed) {
    return new FaultPlan(seed, syncFailures, syncFailureProbability, growFailures,
        growFailureProbability, mapFailures, mapFailureProbability, writebackProbability, lostWrites, misdirectedWrites, lostExtensions, powersafeOverwriteViolations);
  }

  /**
   * Makes the syncs with the given numbers fail, counting {@code sync} and {@code syncAll} calls
   * together from 0.
   *
   * @param syncNumbers which syncs fail
   * @return the changed plan
   */
  public FaultPlan failingSync(long... syncNumbers) {
    return new FaultPlan(seed, sorted(syncNumbers), syncFailureProbability, growFailures,
        growFailureProbability, mapFailures, mapFailureProbability, writebackProbability, lostWrites, misdirectedWrites, lostExtensions, powersafeOverwriteViolations);
  }

  /**
   * Makes each sync fail with the given probability.
   *
   * @param probability from 0 to 1
   * @return the changed plan
   */
  public FaultPlan failingSyncWithProbability(double probability) {
    return new FaultPlan(seed, syncFailures, checkProbability(probability), growFailures,
        growFailureProbability, mapFailures, mapFailureProbability, writebackProbability, lostWrites, misdirectedWrites, lostExtensions, powersafeOverwriteViolations);
  }

  /**
   * Makes the growth calls with the given numbers fail as on a full disk, counting {@code
   * extend} and {@code reserve} together from 0.
   *
   * @param growNumbers which growth calls fail
   * @return the changed plan
   */
  public FaultPlan failingExtend(long... growNumbers) {
    return new FaultPlan(seed, syncFailures, syncFailureProbability, sorted(growNumbers),
        growFailureProbability, mapFailures, mapFailureProbability, writebackProbability, lostWrites, misdirectedWrites, lostExtensions, powersafeOverwriteViolations);
  }

  /**
   * Makes each growth call fail with the given probability.
   *
   * @param probability from 0 to 1
   * @return the changed plan
   */
  public FaultPlan failingExtendWithProbability(double probability) {
    return new FaultPlan(seed, syncFailures, syncFailureProbability, growFailures,
        checkProbability(probability), mapFailures, mapFailureProbability, writebackProbability, lostWrites, misdirectedWrites, lostExtensions, powersafeOverwriteViolations);
  }

  /**
   * Makes the maps with the given numbers fail, counting from 0.
   *
   * @param mapNumbers which maps fail
   * @return the changed plan
   */
  public FaultPlan failingMap(long... mapNumbers) {
    return new FaultPlan(seed, syncFailures, syncFailureProbability, growFailures,
        growFailureProbability, sorted(mapNumbers), mapFailureProbability, writebackProbability, lostWrites, misdirectedWrites, lostExtensions, powersafeOverwriteViolations);
  }

  /**
   * Makes each map fail with the given probability.
   *
   * @param probability from 0 to 1
   * @return the changed plan
   */
  public FaultPlan failingMapWithProbability(double probability) {
    return new FaultPlan(seed, syncFailures, syncFailureProbability, growFailures,
        growFailureProbability, mapFailures, checkProbability(probability), writebackProbability, lostWrites, misdirectedWrites, lostExtensions, powersafeOverwriteViolations);
  }

  /**
   * Makes a device lose a write it acknowledged: from each listed sync on (counting {@code sync}
   * and {@code syncAll} together from 0), the first sync with a dirty OS page in its range
   * succeeds, but one such page, chosen from the seed, keeps its old content on disk while the
   * kernel believes it written. The page cache still holds the new content, so the loss shows
   * only after a power loss or a reboot.
   *
   * @param syncNumbers the syncs from which a write is lost
   * @return the changed plan
   */
  public FaultPlan losingWriteAtSync(long... syncNumbers) {
    return new FaultPlan(seed, syncFailures, syncFailureProbability, growFailures,
        growFailureProbability, mapFailures, mapFailureProbability, writebackProbability, sorted(syncNumbers),
        misdirectedWrites, lostExtensions, powersafeOverwriteViolations);
  }

  /**
   * Makes a device write a page to the wrong place: from each listed sync on, the first sync with
   * a dirty OS page in its range succeeds, but one such page's new content lands on another OS
   * page of the file (both chosen from the seed), whose old content it replaces on disk, while
   * the page meant keeps its old content. The kernel believes both as they were meant, so the
   * damage shows only after a power loss or a reboot.
   *
   * @param syncNumbers the syncs from which a write is misdirected
   * @return the changed plan
   */
  public FaultPlan misdirectingWriteAtSync(long... syncNumbers) {
    return new FaultPlan(seed, syncFailures, syncFailureProbability, growFailures, growFailureProbability,
        mapFailures, mapFailureProbability, writebackProbability, lostWrites, sorted(syncNumbers), lostExtensions, powersafeOverwriteViolations);
  }

  /**
   * Makes a file system lose a file's new length: from each listed growth call on (counting
   * {@code extend} and {@code reserve} together from 0), the first {@code extend} succeeds and
   * the file is longer for the process, but the disk keeps the old length until a later {@code
   * extend} succeeds, while the writes made meanwhile are durable. After a power loss or a
   * reboot the file ends where it ended before, and the pages past that are gone.
   *
   * @param growNumbers the growth calls from which an extension is lost
   * @return the changed plan
   */
  public FaultPlan losingExtension(long... growNumbers) {
    return new FaultPlan(seed, syncFailures, syncFailureProbability, growFailures, growFailureProbability,
        mapFailures, mapFailureProbability, writebackProbability, lostWrites, misdirectedWrites, sorted(growNumbers), powersafeOverwriteViolations);
  }

  /**
   * Lets a torn write damage more than it wrote: in a crash image whose OS page is torn, one
   * sector of that page, chosen from the image's stream, may also hold garbage, whether or not
   * the write changed it. Disks that violate "power-safe overwrite" do this; code that rewrites a
   * record in place beside another it relies on (two slots in one sector group) loses both.
   *
   * @return the changed plan
   */
  public FaultPlan violatingPowersafeOverwrite() {
    return new FaultPlan(seed, syncFailures, syncFailureProbability, growFailures, growFailureProbability,
        mapFailures, mapFailureProbability, writebackProbability, lostWrites, misdirectedWrites, lostExtensions, true);
  }

  /**
   * Makes the kernel write back a random half of the dirty OS pages before each intercepted call,
   * with the given probability: the disk then holds intermediate states no sync asked for.
   *
   * @param probability from 0 to 1
   * @return the changed plan
   */
  public FaultPlan withWritebackProbability(double probability) {
    return new FaultPlan(seed, syncFailures, syncFailureProbability, growFailures,
        growFailureProbability, mapFailures, mapFailureProbability, checkProbability(probability), lostWrites, misdirectedWrites, lostExtensions, powersafeOverwriteViolations);
  }

  /**
   * Returns the seed of the plan's random choices.
   *
   * @return the seed
   */
  public long seed() {
    return seed;
  }

  /** Starts one run of the plan: its counters and random stream, shared across restarts. */
  Injector start() {
    return new Injector();
  }

  /** The mutable side of a plan during one run. */
  final class Injector {
    private final SplittableRandom random = new SplittableRandom(seed);
    private long syncs;
    private long grows;
    private long maps;

    /** Lost writes whose sync was reached but that found no dirty page to lose yet. */
    private long armedLostWrites;

    /** The same for misdirected writes. */
    private long armedMisdirectedWrites;

    /** Lost extensions whose growth call was reached but that met no {@code extend} yet. */
    private long armedLostExtensions;

    boolean failSync() {
      long number = syncs++;
      if (Arrays.binarySearch(lostWrites, number) >= 0) {
        armedLostWrites++;
      }
      if (Arrays.binarySearch(misdirectedWrites, number) >= 0) {
        armedMisdirectedWrites++;
      }
      return fires(syncFailures, number, syncFailureProbability);
    }

    /** Tells whether the sync in progress should lose a write (called after {@link #failSync()}). */
    boolean loseWrite() {
      return armedLostWrites > 0;
    }

    /** Records that the sync in progress lost a write. */
    void lostWrite() {
      armedLostWrites--;
      fired++;
    }

    /** Tells whether the sync in progress should misdirect a write (called after {@link #failSync()}). */
    boolean misdirectWrite() {
      return armedMisdirectedWrites > 0;
    }

    /** Records that the sync in progress misdirected a write. */
    void misdirectedWrite() {
      armedMisdirectedWrites--;
      fired++;
    }

    boolean failGrow() {
      long number = grows++;
      if (Arrays.binarySearch(lostExtensions, number) >= 0) {
        armedLostExtensions++;
      }
      return fires(growFailures, number, growFailureProbability);
    }

    /**
     * Tells whether the {@code extend} in progress should lose its new length (called after
     * {@link #failGrow()}), and counts it fired when it does.
     */
    boolean loseExtension() {
      if (armedLostExtensions == 0) {
        return false;
      }
      armedLostExtensions--;
      fired++;
      return true;
    }

    boolean failMap() {
      return fires(mapFailures, maps++, mapFailureProbability);
    }

    boolean writeBack() {
      return writebackProbability > 0 && random.nextDouble() < writebackProbability;
    }

    /** Whether crash images may damage sectors next to a torn write. */
    boolean damagesNeighbours() {
      return powersafeOverwriteViolations;
    }

    /** The stream that decides what a failed sync left on disk. */
    SplittableRandom random() {
      return random;
    }

    private boolean fires(long[] at, long number, double probability) {
      // Draw even when a listed number decides, so listing a call does not shift later draws.
      boolean random = probability > 0 && this.random.nextDouble() < probability;
      boolean fired = Arrays.binarySearch(at, number) >= 0 || random;
      if (fired) {
        this.fired++;
      }
      return fired;
    }

    private long fired;

    /** How many faults this run injected, listed or drawn. */
    long fired() {
      return fired;
    }

    /**
     * The listed faults this run never reached, each named with how far the run got: a plan that
     * fails the 100th sync of a workload that syncs 40 times tests nothing it claims to.
     */
    List<String> unfired() {
      List<String> unfired = new ArrayList<>();
      for (long number : syncFailures) {
        if (number >= syncs) {
          unfired.add("sync " + number + " (the run made " + syncs + " syncs)");
        }
      }
      for (long number : growFailures) {
        if (number >= grows) {
          unfired.add("growth " + number + " (the run grew the file " + grows + " times)");
        }
      }
      for (long number : mapFailures) {
        if (number >= maps) {
          unfired.add("map " + number + " (the run mapped " + maps + " times)");
        }
      }
      long unreached = Arrays.stream(lostWrites).filter(number -> number >= syncs).count();
      if (armedLostWrites + unreached > 0) {
        unfired.add((armedLostWrites + unreached) + " lost write(s) at syncs " + Arrays.toString(lostWrites)
            + " (the run made " + syncs + " syncs, and a write is lost only by a sync with a dirty page)");
      }
      long unreachedMisdirected = Arrays.stream(misdirectedWrites).filter(number -> number >= syncs).count();
      if (armedMisdirectedWrites + unreachedMisdirected > 0) {
        unfired.add((armedMisdirectedWrites + unreachedMisdirected) + " misdirected write(s) at syncs "
            + Arrays.toString(misdirectedWrites) + " (the run made " + syncs + " syncs, and a write is misdirected "
            + "only by a sync with a dirty page)");
      }
      long unreachedExtensions = Arrays.stream(lostExtensions).filter(number -> number >= grows).count();
      if (armedLostExtensions + unreachedExtensions > 0) {
        unfired.add((armedLostExtensions + unreachedExtensions) + " lost extension(s) at growth calls "
            + Arrays.toString(lostExtensions) + " (the run grew the file " + grows + " times)");
      }
      return unfired;
    }
  }

  @Override
  public String toString() {
    return "FaultPlan[seed=" + seed + ", syncFailures=" + Arrays.toString(syncFailures) + ", p="
        + syncFailureProbability + ", growFailures=" + Arrays.toString(growFailures) + ", p="
        + growFailureProbability + ", mapFailures=" + Arrays.toString(mapFailures) + ", p="
        + mapFailureProbability + ", writeback p=" + writebackProbability + ", lostWrites="
        + Arrays.toString(lostWrites) + ", misdirectedWrites=" + Arrays.toString(misdirectedWrites)
        + ", lostExtensions=" + Arrays.toString(lostExtensions) + ", powersafeOverwriteViolations="
        + powersafeOverwriteViolations + "]";
  }

  /**
   * Returns the Java expression that rebuilds this plan, for replay instructions.
   *
   * @return source code such as {@code FaultPlan.none().withSeed(7L).failingSync(3L)}
   */
  public String toCode() {
    StringBuilder code = new StringBuilder("FaultPlan.none().withSeed(").append(seed).append("L)");
    appendCall(code, "failingSync", syncFailures, syncFailureProbability, "failingSyncWithProbability");
    appendCall(code, "failingExtend", growFailures, growFailureProbability, "failingExtendWithProbability");
    appendCall(code, "failingMap", mapFailures, mapFailureProbability, "failingMapWithProbability");
    if (writebackProbability > 0) {
      code.append(".withWritebackProbability(").append(writebackProbability).append(")");
    }
    appendCall(code, "losingWriteAtSync", lostWrites, 0, "");
    appendCall(code, "misdirectingWriteAtSync", misdirectedWrites, 0, "");
    appendCall(code, "losingExtension", lostExtensions, 0, "");
    if (powersafeOverwriteViolations) {
      code.append(".violatingPowersafeOverwrite()");
    }
    return code.toString();
  }

  private static void appendCall(
      StringBuilder code, String listed, long[] at, double probability, String random) {
    if (at.length > 0) {
      code.append('.').append(listed).append('(');
      for (int i = 0; i < at.length; i++) {
        code.append(i == 0 ? "" : ", ").append(at[i]).append('L');
      }
      code.append(')');
    }
    if (probability > 0) {
      code.append('.').append(random).append('(').append(probability).append(')');
    }
  }

  private static long[] sorted(long[] numbers) {
    long[] copy = numbers.clone();
    Arrays.sort(copy);
    return copy;
  }

  private static double checkProbability(double probability) {
    if (!(probability >= 0 && probability <= 1)) {
      throw new IllegalArgumentException("probability " + probability + " is outside [0, 1]");
    }
    return probability;
  }
}
