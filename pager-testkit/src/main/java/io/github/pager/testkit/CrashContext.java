package io.github.pager.testkit;

import java.util.Objects;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link CrashWorkload} works with: the simulated storage, a seeded random stream, and
 * the channel through which it reports each operation.
 *
 * <p>An operation starts when the previous one ends. While it runs, the workload may declare
 * the state it would produce ({@link #inFlight}), as soon as it knows it: an allocation knows
 * its page only once the pager has chosen it. It ends with exactly one of {@link #acknowledge}
 * (durable), {@link #rolledBack()} (failed, left no trace) or {@link #failed()} (failed, outcome
 * unknown). Every crash point inside the operation is judged once it ends, against the state
 * acknowledged before it and the one it declared.
 *
 * <pre>{@code
 * try (Transaction tx = pager.begin()) {
 *   PageId id = tx.alloc();
 *   PagerState next = state.withAllocated(id.index());
 *   context.inFlight(next);
 *   tx.commit();
 *   context.acknowledge(next);
 *   state = next;
 * }
 * }</pre>
 *
 * @param <S> the model
 */
public final class CrashContext<S> {
  private final SplittableRandom random;
  private final Listener<S> listener;
  private SimulatedStorage storage;
  private @Nullable S acknowledged;
  private @Nullable S inFlight;

  /** How an operation ended, as the explorer counts it. */
  enum Outcome {
    ACKNOWLEDGED,
    ROLLED_BACK,
    FAILED,
    /** The workload returned, or threw, with the operation still open (or none). */
    UNFINISHED
  }

  /**
   * The explorer's side: told when an operation ends, with what to judge its crash points by,
   * how it ended, and how many faults the run has injected so far.
   */
  interface Listener<S> {
    void operationEnded(CrashExpectation<S> expectation, Outcome outcome, long faultsFired);
  }

  CrashContext(SimulatedStorage storage, SplittableRandom random, Listener<S> listener) {
    this.storage = storage;
    this.random = random;
    this.listener = listener;
  }

  /**
   * Returns the storage to work on: empty at the start, and the successor after {@link
   * #restart()}.
   *
   * @return the storage
   */
  public SimulatedStorage storage() {
    return storage;
  }

  /**
   * Returns the workload's random stream, seeded by the explorer so that a replay makes the same
   * choices.
   *
   * @return the stream
   */
  public SplittableRandom random() {
    return random;
  }

  /**
   * Returns the state acknowledged last.
   *
   * @return the state, or null when nothing was acknowledged yet
   */
  public @Nullable S acknowledged() {
    return acknowledged;
  }

  /**
   * Returns the state declared last for the operation in progress, or for the last one that
   * {@link #failed()}: after a failure it is one of the two states a crash may show.
   *
   * @return the state, or null when none was declared since the last acknowledgement
   */
  public @Nullable S inFlight() {
    return inFlight;
  }

  /**
   * Declares the state the current operation leaves if it succeeds. May be called again to
   * correct it; the last declaration counts.
   *
   * @param state the state
   */
  public void inFlight(S state) {
    inFlight = Objects.requireNonNull(state);
  }

  /**
   * Ends the current operation as acknowledged: {@code state} is durable now.
   *
   * @param state the state the operation left
   */
  public void acknowledge(S state) {
    Objects.requireNonNull(state);
    listener.operationEnded(new CrashExpectation<>(acknowledged, state), Outcome.ACKNOWLEDGED, storage.faultsFired());
    acknowledged = state;
    inFlight = null;
  }

  /** Ends the current operation as failed without a trace: a crash must show the previous state. */
  public void rolledBack() {
    listener.operationEnded(new CrashExpectation<>(acknowledged, null), Outcome.ROLLED_BACK, storage.faultsFired());
    inFlight = null;
  }

  /**
   * Ends the current operation as failed with an unknown outcome (a failed sync): a crash may
   * show the previous state or the declared one. Then learn the outcome before declaring anything
   * else: {@link #reboot()}, read the state back, acknowledge it and go on (a {@link #restart()}
   * keeps the page cache, which after a failed sync may hold what the disk does not). A workload
   * that stops here leaves recovery untested, which {@link CrashExploration#vacuity()} reports;
   * {@link ModelWorkload} does all of this itself.
   */
  public void failed() {
    listener.operationEnded(new CrashExpectation<>(acknowledged, inFlight), Outcome.FAILED, storage.faultsFired());
  }

  /**
   * Simulates the process ending and starting again, without power loss: see {@link
   * SimulatedStorage#restart()}. Anything open on the old storage dies with it.
   *
   * @return the new storage, also returned by {@link #storage()} from now on
   */
  public SimulatedStorage restart() {
    storage = storage.restart();
    return storage;
  }

  /**
   * Simulates the machine restarting, as after a power loss at this instant: see {@link
   * SimulatedStorage#reboot()}. Anything open on the old storage dies with it.
   *
   * @return the new storage, also returned by {@link #storage()} from now on
   */
  public SimulatedStorage reboot() {
    storage = storage.reboot();
    return storage;
  }

  /**
   * Simulates deleting the file and creating it again, empty: see {@link
   * SimulatedStorage#deleteFile()}.
   *
   * @return the new storage, also returned by {@link #storage()} from now on
   */
  SimulatedStorage deleteFile() {
    storage = storage.deleteFile();
    return storage;
  }

  /**
   * Takes {@code state} as acknowledged before any operation: for a workload that starts on an
   * existing file, whose state a crash must preserve from the first storage call on.
   */
  void assumeAcknowledged(S state) {
    acknowledged = Objects.requireNonNull(state);
  }

  /** Judges the crash points after the last operation, when the workload returns. */
  void finish() {
    listener.operationEnded(new CrashExpectation<>(acknowledged, inFlight), Outcome.UNFINISHED, storage.faultsFired());
  }
}
