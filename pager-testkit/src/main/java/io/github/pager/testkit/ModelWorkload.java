package io.github.pager.testkit;

import io.github.pager.core.GrowFailedException;
import io.github.pager.core.NotAPageFileException;
import io.github.pager.core.TruncatedPageFileException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A crash workload described by its model: a {@link CrashTarget} that knows how to create, open
 * and read the structure, and {@link CrashOperation}s, each a function from the state before it
 * to the state after plus the action that makes it so. The workload does the bookkeeping that
 * every hand-written workload repeats, and does it the same way each time:
 *
 * <ol>
 *   <li>It creates the file, declaring {@link CrashTarget#emptyState()} in flight first.
 *   <li>It runs the {@linkplain #startingWith operations to start with}, then {@code operations}
 *       operations drawn uniformly from the mix, acknowledging the state each returns.
 *   <li>A {@link GrowFailedException} (the disk is full) rolls the operation back: nothing
 *       changed, and the workload goes on.
 *   <li>Any other {@link IOException} ends the operation with an unknown outcome. The workload
 *       then checks {@link CrashTarget#afterFailure}, closes the target, {@linkplain
 *       CrashContext#reboot() reboots} (what never reached the disk is gone) and opens the file
 *       again. {@link CrashTarget#recover} must find the acknowledged state or the one in flight,
 *       which is acknowledged, and the workload goes on from it. A failure while creating the
 *       file that left no page file behind starts over on an empty file, as a user deletes a
 *       half-made file.
 *   <li>A reopen that fails because another fault fired is tried again after another reboot. One
 *       that fails with no fault fired is a violation: the file no longer opens.
 *   <li>At the end it closes the target, acknowledging the last state once more (a close may
 *       sync), and recovers from a failure there too.
 * </ol>
 *
 * <p>So the workload always acknowledges something after each fault, and a run that stops at a
 * fault is the explorer's to flag, not the workload's to hide. {@link #check()} is the matching
 * crash check: it opens each post-crash image through a fresh target and requires {@link
 * CrashTarget#recover} to accept it.
 *
 * @param <S> the model
 * @param <T> the target
 */
public final class ModelWorkload<S, T extends CrashTarget<S>> implements CrashWorkload<S> {
  /** Reboots tried after a failure before the workload gives up; each consumes a fired fault. */
  private static final int MAX_ATTEMPTS = 16;

  private final Supplier<T> targets;
  private final int operations;
  private final List<CrashOperation<S, T>> mix;
  private final List<CrashOperation<S, T>> prefix;

  /** The state of the existing file the workload opens, or null to create one. */
  private final @Nullable S existing;

  private ModelWorkload(
      Supplier<T> targets, int operations, List<CrashOperation<S, T>> mix, List<CrashOperation<S, T>> prefix,
      @Nullable S existing) {
    if (mix.isEmpty()) {
      throw new IllegalArgumentException("a workload needs at least one operation to draw from");
    }
    if (operations < 0) {
      throw new IllegalArgumentException("a workload cannot run " + operations + " operations");
    }
    this.targets = Objects.requireNonNull(targets);
    this.operations = operations;
    this.mix = List.copyOf(mix);
    this.prefix = List.copyOf(prefix);
    this.existing = existing;
  }

  /**
   * Creates a workload.
   *
   * @param targets makes a fresh target for each run and each crash check
   * @param operations how many operations to draw after creating the file
   * @param mix the operations to draw from, uniformly (list one twice to draw it twice as often)
   * @param <S> the model
   * @param <T> the target
   * @return the workload
   */
  public static <S, T extends CrashTarget<S>> ModelWorkload<S, T> of(
      Supplier<T> targets, int operations, List<CrashOperation<S, T>> mix) {
    return new ModelWorkload<>(targets, operations, mix, List.of(), null);
  }

  /**
   * Returns this workload running {@code first} right after creating the file, before the drawn
   * operations: a set-up commit, say, that gives a tree a second level.
   *
   * @param first the operations to start with, in order
   * @return the changed workload
   */
  public ModelWorkload<S, T> startingWith(List<CrashOperation<S, T>> first) {
    return new ModelWorkload<>(targets, operations, mix, first, existing);
  }

  /**
   * Returns this workload opening an existing file that holds {@code state}, instead of creating
   * one, and running its operations on it: for an explorer {@linkplain
   * CrashExplorer#startingFrom(byte[]) started from} that file. The open is the first operation,
   * crashed like any other: the file must still hold {@code state} after any crash in it. The
   * operations {@linkplain #startingWith to start with} belong to a new file and are left out.
   *
   * @param state the state the file holds
   * @return the changed workload
   */
  public ModelWorkload<S, T> continuingFrom(S state) {
    return new ModelWorkload<>(targets, operations, mix, List.of(), Objects.requireNonNull(state));
  }

  /**
   * Explores cycles of crash, reopen and a few operations. The explorer explores this workload
   * first; then a crash state of it, drawn from the explorer's seed among those that hold a page
   * file, becomes the file of the next process, which reopens it (that recovery crashed at every
   * storage call), runs this workload's operations from what it found, and closes, explored in
   * the same way; and so on. So a file recovers from a crash, crashes again, and recovers again.
   *
   * @param explorer an explorer of this workload, with the check and settings to use throughout
   * @param cycles how many explorations to run, one or more
   * @return the explorations in order, each of which passed {@link
   *     CrashExploration#assertNoViolations()}
   * @throws CrashViolation from the first exploration that fails
   * @throws Exception when a crash state cannot be read back to continue from
   */
  public List<CrashExploration> exploreCycles(CrashExplorer<S> explorer, int cycles) throws Exception {
    if (cycles < 1) {
      throw new IllegalArgumentException("cycles " + cycles + " < 1");
    }
    List<CrashExploration> explorations = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(explorer.seed());
    CrashExplorer<S> current = explorer;
    while (true) {
      CrashExploration exploration = current.explore().assertNoViolations();
      explorations.add(exploration);
      if (explorations.size() == cycles) {
        return explorations;
      }
      Survivor<S> survivor = drawSurvivor(current, exploration, random);
      current = explorer.exploring(", cycle " + (explorations.size() + 1) + " from " + survivor.origin(),
              continuingFrom(survivor.state()))
          .startingFrom(survivor.image())
          .withSeed(random.nextLong());
    }
  }

  /** A crash state to continue from: the image, the state it holds, and where it was taken. */
  private record Survivor<S>(byte[] image, S state, String origin) {}

  /** Draws crash states of an exploration until one holds a page file, and reads its state. */
  private Survivor<S> drawSurvivor(CrashExplorer<S> explorer, CrashExploration exploration, SplittableRandom random)
      throws Exception {
    long points = 2 * exploration.coverage().storageCalls() + 1;
    for (int attempt = 0; attempt < 64; attempt++) {
      long point = random.nextLong(points);
      int imageNumber = random.nextInt(CrashImage.ALL_NEW + 1 + explorer.randomImages());
      CrashExplorer.CrashState<S> crashed;
      try {
        crashed = explorer.quietly().crashState(point, imageNumber);
      } catch (IllegalArgumentException noSuchImage) {
        continue; // a point with fewer dirty pages has fewer distinct images
      }
      byte[] image = crashed.image().bytes();
      T target = targets.get();
      try {
        target.open(SimulatedStorage.fromImage(image));
      } catch (NotAPageFileException | TruncatedPageFileException beforeTheFileExisted) {
        continue;
      }
      S state;
      try {
        state = target.recover(crashed.expected());
      } finally {
        target.close();
      }
      return new Survivor<>(image, state, "point " + point + "/" + imageNumber);
    }
    throw new IllegalStateException(exploration.name() + " left no crash state holding a page file in 64 draws");
  }

  /**
   * Returns the crash check that goes with this workload: opens the image through a fresh
   * target (a file that is no page file is allowed only while nothing was acknowledged, that is
   * for a crash while creating it), requires {@link CrashTarget#recover} to accept what it holds,
   * and closes it.
   *
   * @return the check
   */
  public CrashCheck<S> check() {
    return check(targets);
  }

  /**
   * Returns the crash check of {@link #check()} for targets of the given kind, without a
   * workload: for a hand-written workload over the same structure.
   *
   * @param targets makes a fresh target for each crash image
   * @param <S> the model
   * @param <T> the target
   * @return the check
   */
  public static <S, T extends CrashTarget<S>> CrashCheck<S> check(Supplier<T> targets) {
    return (crashed, expected) -> {
      T target = targets.get();
      try {
        target.open(crashed);
      } catch (NotAPageFileException | TruncatedPageFileException e) {
        if (expected.acknowledged() == null) {
          return; // a crash while creating the file
        }
        throw new AssertionError("the file no longer opens although commits were acknowledged: " + e, e);
      }
      try {
        target.recover(expected);
      } catch (Exception | AssertionError e) {
        closeQuietly(target, e);
        throw e;
      }
      target.close();
    };
  }

  @Override
  public void run(CrashContext<S> context) throws Exception {
    T target = targets.get();
    Run run = new Run(context, target);
    try {
      if (!(existing == null ? run.create() : run.openExisting(existing))) {
        return;
      }
      for (CrashOperation<S, T> operation : prefix) {
        if (!run.perform(operation)) {
          return;
        }
      }
      SplittableRandom random = context.random();
      for (int i = 0; i < operations; i++) {
        if (!run.perform(mix.get(random.nextInt(mix.size())))) {
          return;
        }
      }
      run.closeAtEnd();
    } catch (Exception | AssertionError e) {
      // A broken target or a failed check: closing may fail too, but must not hide why.
      closeQuietly(target, e);
      throw e;
    }
  }

  /** One run: the context, the target, and the bookkeeping around each operation. */
  private final class Run implements CrashOperation.Step<S> {
    private final CrashContext<S> context;
    private final T target;

    /** The state the running operation acknowledged last through {@link #acknowledge}, if any. */
    private @Nullable S acknowledgedInOperation;

    Run(CrashContext<S> context, T target) {
      this.context = context;
      this.target = target;
    }

    /** Creates the file; false when it could not be, even after reboots. */
    boolean create() throws Exception {
      S empty = target.emptyState();
      context.inFlight(empty);
      S created;
      try {
        created = target.create(context.storage());
      } catch (IOException e) {
        context.failed();
        target.abandon();
        return recover();
      }
      context.acknowledge(created);
      return true;
    }

    /** Opens the existing file as the first operation; false when it could not be. */
    boolean openExisting(S state) throws Exception {
      context.assumeAcknowledged(state);
      context.inFlight(state);
      SimulatedStorage storage = context.storage();
      long faultsBefore = storage.faultsFired();
      S opened;
      try {
        target.open(storage);
        opened = target.recover(new CrashExpectation<>(state, null));
      } catch (IOException e) {
        if (storage.faultsFired() == faultsBefore) {
          throw new AssertionError("the existing file does not open, and no fault was injected: " + e, e);
        }
        context.failed();
        closeAfterFailure();
        return recover();
      }
      context.acknowledge(opened);
      return true;
    }

    /** Runs one operation; false when a failure could not be recovered from. */
    boolean perform(CrashOperation<S, T> operation) throws Exception {
      S state = current();
      S next;
      acknowledgedInOperation = null;
      try {
        next = operation.apply(target, state, this);
      } catch (GrowFailedException e) {
        context.rolledBack();
        return true;
      } catch (IOException e) {
        context.failed();
        target.afterFailure(e, current());
        closeAfterFailure();
        return recover();
      }
      if (next != acknowledgedInOperation) {
        context.acknowledge(Objects.requireNonNull(next, "an operation returned no state"));
      }
      return true;
    }

    /** Closes the target at the end, acknowledging the last state once more. */
    void closeAtEnd() throws Exception {
      for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        S state = current();
        context.inFlight(state);
        try {
          target.close();
        } catch (IOException e) {
          context.failed();
          target.abandon();
          if (!recover()) {
            return;
          }
          continue;
        }
        context.acknowledge(state);
        return;
      }
    }

    /**
     * Reboots and opens the file again until it opens, acknowledging what survived; false when
     * faults kept firing past {@link #MAX_ATTEMPTS} reboots, which leaves faults after the last
     * acknowledgement for the explorer to report.
     */
    private boolean recover() throws Exception {
      for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        SimulatedStorage storage = context.reboot();
        long faultsBefore = storage.faultsFired();
        try {
          S recovered = reopen(storage);
          context.inFlight(recovered);
          context.acknowledge(recovered);
          return true;
        } catch (IOException e) {
          if (storage.faultsFired() == faultsBefore && !(e instanceof GrowFailedException)) {
            throw new AssertionError("after a failure and a reboot the file does not open, and no fault was "
                + "injected this time: " + e, e);
          }
          context.failed();
          closeAfterFailure();
        }
      }
      return false;
    }

    /** Opens the rebooted file, or creates it afresh when the failure came before it existed. */
    private S reopen(SimulatedStorage storage) throws Exception {
      try {
        target.open(storage);
      } catch (NotAPageFileException | TruncatedPageFileException e) {
        if (context.acknowledged() != null) {
          throw new AssertionError("after a failure and a reboot the file no longer opens although commits were "
              + "acknowledged: " + e, e);
        }
        // Creating the file failed before any of it was durable: delete it and create it again.
        return target.create(context.deleteFile());
      }
      return target.recover(new CrashExpectation<>(context.acknowledged(), context.inFlight()));
    }

    /**
     * Closes the target after a failure; a close that fails as well changes nothing, since the
     * machine reboots next.
     */
    private void closeAfterFailure() {
      try {
        target.close();
      } catch (IOException e) {
        target.abandon();
      }
    }

    private S current() {
      return Objects.requireNonNull(context.acknowledged(), "nothing acknowledged yet");
    }

    @Override
    public SplittableRandom random() {
      return context.random();
    }

    @Override
    public void inFlight(S state) {
      context.inFlight(state);
    }

    @Override
    public void acknowledge(S state) {
      context.acknowledge(state);
      acknowledgedInOperation = state;
    }

    @Override
    public SimulatedStorage restart() {
      return context.restart();
    }
  }

  private static void closeQuietly(CrashTarget<?> target, Throwable cause) {
    try {
      target.close();
    } catch (IOException | RuntimeException closing) {
      cause.addSuppressed(closing);
    }
  }

  @Override
  public String toString() {
    return "ModelWorkload[" + (existing == null ? "" : "on a file holding " + existing + ", ") + (prefix.isEmpty() ? "" : prefix.size() + " operations to start with, then ")
        + operations + " drawn from " + mix.size() + "]";
  }
}
