package io.github.pager.testkit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Crashes a workload just before and just after every call it makes into storage, and judges
 * every post-crash image a power loss there could leave.
 *
 * <p>The workload runs once, on a {@link SimulatedStorage}. At every crash point the explorer
 * takes a snapshot of the disk (the durable image and the dirty OS pages); when the operation in
 * progress ends, it builds several images of each of its snapshots (all dirty pages old, all new,
 * and random torn mixes; see {@link CrashImage}), reopens each through the check, and records
 * every violation with its point, image, seed and choices. Everything random derives from one
 * seed, so a violation replays with one call: {@link #replay(long, int)}.
 *
 * <pre>{@code
 * CrashExplorer<PagerState> explorer =
 *     CrashExplorer.of("alloc and free", PagerWorkload.of(options, 40), PagerCheck.standard(options));
 * explorer.explore().assertNoViolations();
 * // a failure prints e.g.: explorer.withSeed(7L).withFaults(FaultPlan.none()...).replay(41, 3)
 * }</pre>
 *
 * <p>Defaults keep a typical workload to a second or two: {@value #DEFAULT_RANDOM_IMAGES}
 * random images per point. System properties change them for a whole test run: {@code
 * -Dpager.seed=N} fixes the seed (otherwise a fresh one is drawn and printed), {@code
 * -Dpager.crash.images=N} sets the random images per point, and {@code -Dpager.soak=true}
 * multiplies them by {@value #SOAK_FACTOR}.
 *
 * <p>Immutable; each {@code with} method returns a changed copy. Checks run in parallel unless
 * {@link #withParallelChecks} says otherwise, so a check must not share mutable state.
 *
 * @param <S> the model the workload reports
 */
public final class CrashExplorer<S> {
  /** Random torn images per crash point, besides all-old and all-new, unless told otherwise. */
  public static final int DEFAULT_RANDOM_IMAGES = 16;

  /** How much {@code -Dpager.soak=true} multiplies the random images by. */
  public static final int SOAK_FACTOR = 10;

  private static final LongAdder STATES_IN_THIS_JVM = new LongAdder();

  private final String name;
  private final CrashWorkload<S> workload;
  private final CrashCheck<S> check;
  private final long seed;
  private final int randomImages;
  private final FaultPlan faults;
  private final int osPageSize;
  private final long capacity;
  private final int maxViolations;
  private final boolean parallel;
  private final boolean fullDiskExpected;

  /** The file the workload starts on, or null for none (an empty storage). */
  private final byte @Nullable [] initialImage;

  /** Whether {@link #explore()} prints its one-line report. */
  private final boolean printing;

  /** The range of the disk no read succeeds in ({@link #withUnreadable}); offset -1 for none. */
  private final long unreadableOffset;

  private final long unreadableLength;

  /**
   * Everything an explorer is configured with besides its name, workload and check: each {@code
   * with} method changes a fresh copy of it.
   */
  private static final class Settings {
    long seed;
    int randomImages;
    FaultPlan faults = FaultPlan.none();
    int osPageSize;
    long capacity;
    int maxViolations;
    boolean parallel;
    boolean fullDiskExpected;
    byte @Nullable [] initialImage;
    boolean printing;
    long unreadableOffset = -1;
    long unreadableLength;
  }

  private CrashExplorer(String name, CrashWorkload<S> workload, CrashCheck<S> check, Settings settings) {
    this.name = name;
    this.workload = workload;
    this.check = check;
    this.seed = settings.seed;
    this.randomImages = settings.randomImages;
    this.faults = settings.faults;
    this.osPageSize = settings.osPageSize;
    this.capacity = settings.capacity;
    this.maxViolations = settings.maxViolations;
    this.parallel = settings.parallel;
    this.fullDiskExpected = settings.fullDiskExpected;
    this.initialImage = settings.initialImage;
    this.printing = settings.printing;
    this.unreadableOffset = settings.unreadableOffset;
    this.unreadableLength = settings.unreadableLength;
  }

  /** Returns a copy of this explorer with its settings changed by {@code change}. */
  private CrashExplorer<S> with(Consumer<Settings> change) {
    return with(name, workload, check, change);
  }

  private CrashExplorer<S> with(
      String newName, CrashWorkload<S> newWorkload, CrashCheck<S> newCheck, Consumer<Settings> change) {
    Settings settings = new Settings();
    settings.seed = seed;
    settings.randomImages = randomImages;
    settings.faults = faults;
    settings.osPageSize = osPageSize;
    settings.capacity = capacity;
    settings.maxViolations = maxViolations;
    settings.parallel = parallel;
    settings.fullDiskExpected = fullDiskExpected;
    settings.initialImage = initialImage;
    settings.printing = printing;
    settings.unreadableOffset = unreadableOffset;
    settings.unreadableLength = unreadableLength;
    change.accept(settings);
    return new CrashExplorer<>(newName, newWorkload, newCheck, settings);
  }

  /** Returns this explorer, with its settings and check, exploring another workload. */
  CrashExplorer<S> exploring(String nameSuffix, CrashWorkload<S> otherWorkload) {
    return with(name + nameSuffix, otherWorkload, check, settings -> {});
  }

  /** A post-crash image, and what the check of it is told to expect. */
  record CrashState<S>(CrashImage image, CrashExpectation<S> expected) {}

  /**
   * Replays one crash state, as {@link #replay} does, and returns it with its expectation
   * instead of checking it.
   *
   * @throws IllegalArgumentException when the workload never reached that point, or the point
   *     has no such image
   */
  CrashState<S> crashState(long point, int imageNumber) {
    AtomicReference<CrashExpectation<S>> seen = new AtomicReference<>();
    CrashImage image = with(name, workload, (crashed, expected) -> seen.set(expected), settings -> {})
        .replay(point, imageNumber);
    return new CrashState<>(image, Objects.requireNonNull(seen.get()));
  }

  /**
   * Returns how many random images this explorer builds per crash point.
   *
   * @return the count
   */
  int randomImages() {
    return randomImages;
  }

  /**
   * Creates an explorer with the defaults: the seed from {@code -Dpager.seed} or a fresh one, no
   * faults, 4 KiB OS pages, 1 MiB capacity, at most 3 violations reported.
   *
   * @param name names the exploration in logs and reports
   * @param workload what to crash
   * @param check how to judge each image
   * @param <S> the model
   * @return the explorer
   */
  public static <S> CrashExplorer<S> of(String name, CrashWorkload<S> workload, CrashCheck<S> check) {
    Settings defaults = new Settings();
    defaults.seed = defaultSeed();
    defaults.randomImages = defaultRandomImages();
    defaults.osPageSize = SimulatedStorage.DEFAULT_OS_PAGE_SIZE;
    defaults.capacity = SimulatedStorage.DEFAULT_CAPACITY;
    defaults.maxViolations = 3;
    defaults.parallel = true;
    defaults.printing = true;
    return new CrashExplorer<>(
        Objects.requireNonNull(name), Objects.requireNonNull(workload), Objects.requireNonNull(check), defaults);
  }

  /**
   * Returns the seed from {@code -Dpager.seed} (decimal, or hex with {@code 0x}), or a fresh
   * random one.
   *
   * @return the seed
   */
  public static long defaultSeed() {
    String property = System.getProperty("pager.seed");
    if (property == null || property.isBlank()) {
      return new SplittableRandom().nextLong();
    }
    String text = property.strip();
    return text.startsWith("0x") ? Long.parseUnsignedLong(text.substring(2), 16) : Long.parseLong(text);
  }

  /**
   * Tells whether long soaks were asked for with {@code -Dpager.soak=true}.
   *
   * @return true for a soak
   */
  public static boolean soak() {
    return Boolean.getBoolean("pager.soak");
  }

  private static int defaultRandomImages() {
    int images = Integer.getInteger("pager.crash.images", DEFAULT_RANDOM_IMAGES);
    return soak() ? images * SOAK_FACTOR : images;
  }

  /**
   * Returns how many crash states every exploration in this JVM checked so far; a suite prints
   * it at the end.
   *
   * @return the count
   */
  public static long crashStatesCheckedInThisJvm() {
    return STATES_IN_THIS_JVM.sum();
  }

  /**
   * Sets the seed.
   *
   * @param seed any value
   * @return the changed explorer
   */
  public CrashExplorer<S> withSeed(long seed) {
    return with(settings -> settings.seed = seed);
  }

  /**
   * Sets how many random images to build per crash point, besides all-old and all-new.
   *
   * @param randomImages zero or more
   * @return the changed explorer
   */
  public CrashExplorer<S> withRandomImages(int randomImages) {
    if (randomImages < 0) {
      throw new IllegalArgumentException("random images " + randomImages + " < 0");
    }
    return with(settings -> settings.randomImages = randomImages);
  }

  /**
   * Sets the failures the workload's storage injects.
   *
   * @param faults the plan
   * @return the changed explorer
   */
  public CrashExplorer<S> withFaults(FaultPlan faults) {
    return with(settings -> settings.faults = Objects.requireNonNull(faults));
  }

  /**
   * Sets the simulated OS page size, the unit of writeback.
   *
   * @param osPageSize a power of two, at least 512
   * @return the changed explorer
   */
  public CrashExplorer<S> withOsPageSize(int osPageSize) {
    return with(settings -> settings.osPageSize = osPageSize);
  }

  /**
   * Sets the capacity of the workload's storage; growth past it fails as on a full disk.
   *
   * @param capacity bytes
   * @return the changed explorer
   */
  public CrashExplorer<S> withCapacity(long capacity) {
    return with(settings -> settings.capacity = capacity);
  }

  /**
   * Declares that the workload fills the simulated disk on purpose: without it, a growth the
   * capacity refuses makes {@link CrashExploration#assertNoViolations()} fail, since a workload
   * that outgrew its disk by accident goes on testing less than it seems.
   *
   * @return the changed explorer
   */
  public CrashExplorer<S> expectingFullDisk() {
    return with(settings -> settings.fullDiskExpected = true);
  }

  /**
   * Starts the workload on a file holding {@code image}, all of it durable and clean, instead of
   * an empty one: for crashing what happens to an existing file, such as a recovery.
   *
   * @param image the file's bytes, at most the capacity
   * @return the changed explorer
   */
  public CrashExplorer<S> startingFrom(byte[] image) {
    return with(settings -> {
      settings.capacity = Math.max(capacity, image.length);
      settings.initialImage = image.clone();
    });
  }

  /**
   * Makes a range of the disk unreadable, as a latent sector error does, from the first call on:
   * in the file the workload starts on and in every crash image the check reopens (see {@link
   * SimulatedStorage#makeUnreadable}: any access to it raises {@link InternalError} from a real
   * {@code SIGBUS}). Needs {@link #startingFrom} a file that holds the range. Linux only.
   *
   * @param offset where the range starts, in bytes; whole OS pages of at least 4 KiB
   * @param length how many bytes
   * @return the changed explorer
   */
  public CrashExplorer<S> withUnreadable(long offset, long length) {
    if (offset < 0 || length <= 0) {
      throw new IllegalArgumentException("unreadable range [" + offset + ", " + (offset + length) + ") is empty or negative");
    }
    return with(settings -> {
      settings.unreadableOffset = offset;
      settings.unreadableLength = length;
    });
  }

  /**
   * Stops {@link #explore()} from printing its report line: for explorations nested in a check,
   * which run by the thousand.
   *
   * @return the changed explorer
   */
  public CrashExplorer<S> quietly() {
    return with(settings -> settings.printing = false);
  }

  /**
   * Sets after how many violations the exploration stops checking.
   *
   * @param maxViolations one or more
   * @return the changed explorer
   */
  public CrashExplorer<S> withMaxViolations(int maxViolations) {
    if (maxViolations < 1) {
      throw new IllegalArgumentException("max violations " + maxViolations + " < 1");
    }
    return with(settings -> settings.maxViolations = maxViolations);
  }

  /**
   * Sets whether the images of an operation are checked in parallel.
   *
   * @param parallel false when the check shares state between calls
   * @return the changed explorer
   */
  public CrashExplorer<S> withParallelChecks(boolean parallel) {
    return with(settings -> settings.parallel = parallel);
  }

  /**
   * Returns the seed this explorer runs with.
   *
   * @return the seed
   */
  public long seed() {
    return seed;
  }

  /**
   * Runs the workload once, crashing it at every point, and checks every image. Prints one line
   * with the counts and the seed.
   *
   * @return what was checked and found; call {@link CrashExploration#assertNoViolations()}
   * @throws AssertionError when the workload itself throws (the seed is in the message)
   */
  public CrashExploration explore() {
    long started = System.nanoTime();
    Exploration run = new Exploration(-1, -1);
    SimulatedStorage last = execute(run);
    long millis = (System.nanoTime() - started) / 1_000_000;
    CrashExploration.Coverage coverage = new CrashExploration.Coverage(
        last.callCount(), run.acknowledged, run.acknowledgedWithPoints, last.faultsFired() - run.faultsAtLastAcknowledgement,
        last.spaceRefusals(), last.capacity(), last.largestSize(), fullDiskExpected);
    CrashExploration result = new CrashExploration(
        name, seed, run.points.get(), run.states.get(), run.violations(), millis, last.faultsFired(),
        last.unfiredFaults(), coverage);
    if (printing) {
      System.out.println("[crash explorer] " + result);
    }
    return result;
  }

  /**
   * Replays one crash state: runs the workload again, crashes it at one point, builds one image
   * and checks it.
   *
   * @param point the crash point's number, as a report names it
   * @param imageNumber the image's number, as a report names it
   * @return the image checked (it passed)
   * @throws CrashViolation when the image violates the check
   * @throws IllegalArgumentException when the workload never reached that point
   */
  public CrashImage replay(long point, int imageNumber) {
    Exploration run = new Exploration(point, imageNumber);
    execute(run);
    CrashImage image = run.replayed;
    if (image == null) {
      throw new IllegalArgumentException(name + " (seed " + seed + ") has no crash point " + point);
    }
    List<CrashReport> violations = run.violations();
    if (!violations.isEmpty()) {
      throw new CrashViolation(violations.get(0).toString(), violations);
    }
    return image;
  }

  /** Runs the workload once under {@code run}; returns the last storage, closed, for its counters. */
  private SimulatedStorage execute(Exploration run) {
    SimulatedStorage storage =
        SimulatedStorage.builder().name(name).osPageSize(osPageSize).capacity(capacity).faults(faults)
            .buildFrom(initialImage, run);
    if (unreadableOffset >= 0) {
      if (storage.size() < unreadableOffset + unreadableLength) {
        throw new IllegalStateException(name + ": the unreadable range ends at " + (unreadableOffset + unreadableLength)
            + ", past the " + storage.size() + " bytes the workload starts on; start from a file that holds it");
      }
      storage.makeUnreadable(unreadableOffset, unreadableLength);
    }
    CrashContext<S> context = new CrashContext<>(storage, new SplittableRandom(CrashImage.mix(seed, -1, -1)), run);
    try {
      workload.run(context);
    } catch (Exception | AssertionError e) {
      throw new AssertionError(name + ": the workload threw (seed " + seed + ", replay with -Dpager.seed=" + seed
          + " when the test seeds this explorer with it, or with withSeed(" + seed + "L))", e);
    } finally {
      SimulatedStorage last = context.storage();
      run.pointReached(CrashPoint.end(last.callCount()), last);
      context.finish();
      last.close();
    }
    return context.storage();
  }

  private record Pending(CrashPoint point, Snapshot snapshot) {}

  /** One run of the workload: collects the snapshots of the operation in progress and judges them. */
  private final class Exploration implements SimulatedStorage.CallObserver, CrashContext.Listener<S> {
    private final long onlyPoint;
    private final int onlyImage;
    private final List<Pending> pending = new ArrayList<>();
    private final List<CrashReport> violations = new ArrayList<>();
    private final AtomicLong points = new AtomicLong();
    private final AtomicLong states = new AtomicLong();
    private @Nullable CrashImage replayed;

    /** Operations acknowledged, and those with a crash point inside them. */
    long acknowledged;

    long acknowledgedWithPoints;

    /** Faults fired as of the last acknowledgement. */
    long faultsAtLastAcknowledgement;

    Exploration(long onlyPoint, int onlyImage) {
      this.onlyPoint = onlyPoint;
      this.onlyImage = onlyImage;
    }

    @Override
    public void before(SimulatedStorage storage, StorageCall call) {
      pointReached(CrashPoint.before(call), storage);
    }

    @Override
    public void after(SimulatedStorage storage, StorageCall call, @Nullable Throwable failure) {
      pointReached(CrashPoint.after(call), storage);
    }

    void pointReached(CrashPoint point, SimulatedStorage storage) {
      if (onlyPoint >= 0 && point.number() != onlyPoint) {
        return;
      }
      Snapshot snapshot = storage.snapshot();
      // Back-to-back calls with no store between them leave the same disk: judge it once.
      if (onlyPoint < 0 && !pending.isEmpty() && same(pending.get(pending.size() - 1).snapshot(), snapshot)) {
        return;
      }
      pending.add(new Pending(point, snapshot));
    }

    @Override
    public void operationEnded(CrashExpectation<S> expectation, CrashContext.Outcome outcome, long faultsFired) {
      if (outcome == CrashContext.Outcome.ACKNOWLEDGED) {
        acknowledged++;
        if (!pending.isEmpty()) {
          acknowledgedWithPoints++;
        }
        faultsAtLastAcknowledgement = faultsFired;
      }
      List<Runnable> checks = new ArrayList<>();
      for (Pending p : pending) {
        points.incrementAndGet();
        Set<String> seen = new HashSet<>();
        int last = p.snapshot().dirtyCount() == 0 ? 0 : CrashImage.ALL_NEW + randomImages;
        for (int number = 0; number <= last; number++) {
          if (onlyImage >= 0 && number != onlyImage) {
            continue;
          }
          if (onlyImage < 0 && !seen.add(CrashImage.choicesOf(p.snapshot(), number, seed, p.point().number()))) {
            continue;
          }
          // Built by the check itself: an operation's images need not all be in memory at once.
          int imageNumber = number;
          checks.add(() -> judge(p, imageNumber, expectation));
        }
      }
      pending.clear();
      if (parallel && checks.size() > 1) {
        checks.parallelStream().forEach(Runnable::run);
      } else {
        checks.forEach(Runnable::run);
      }
    }

    private void judge(Pending pending, int imageNumber, CrashExpectation<S> expectation) {
      synchronized (violations) {
        if (violations.size() >= maxViolations) {
          return;
        }
      }
      CrashPoint point = pending.point();
      Snapshot snapshot = pending.snapshot();
      if (onlyPoint >= 0) {
        replayed = CrashImage.build(snapshot, imageNumber, seed, point.number());
      }
      states.incrementAndGet();
      STATES_IN_THIS_JVM.increment();
      SimulatedStorage crashed = SimulatedStorage.ofCrashImage(
          name + " after crash at " + point.number() + "/" + imageNumber, osPageSize,
          checkCapacity(snapshot.durable.length), snapshot, imageNumber, seed, point.number());
      if (unreadableOffset >= 0 && crashed.size() >= unreadableOffset + unreadableLength) {
        crashed.makeUnreadable(unreadableOffset, unreadableLength);
      }
      try {
        check.check(crashed, expectation);
      } catch (Exception | AssertionError e) {
        synchronized (violations) {
          if (violations.size() < maxViolations) {
            String choices = CrashImage.choicesOf(snapshot, imageNumber, seed, point.number());
            violations.add(new CrashReport(point, imageNumber, seed, faults, choices, expectation.toString(), e));
          }
        }
      } finally {
        crashed.close();
      }
    }

    List<CrashReport> violations() {
      synchronized (violations) {
        return List.copyOf(violations);
      }
    }
  }

  /** Room to grow a little after reopening, without paying for the full capacity per image. */
  private long checkCapacity(long imageSize) {
    return Math.min(Math.max(capacity, imageSize), Math.max(2 * imageSize, 64 * 1024));
  }

  private static boolean same(Snapshot a, Snapshot b) {
    return Arrays.equals(a.durable, b.durable)
        && Arrays.equals(a.dirtyPages, b.dirtyPages)
        && Arrays.deepEquals(a.dirtyContent, b.dirtyContent);
  }

  @Override
  public String toString() {
    return "CrashExplorer[" + name + ", seed=" + seed + ", randomImages=" + randomImages + ", faults=" + faults + "]";
  }
}
