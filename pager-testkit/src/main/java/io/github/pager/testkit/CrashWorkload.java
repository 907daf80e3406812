package io.github.pager.testkit;

/**
 * Code that drives a pager (or a structure built on one) over a simulated storage, telling the
 * crash explorer which operations were acknowledged and what state each one left.
 *
 * <p>A workload must be deterministic given {@link CrashContext#random()}: the explorer replays
 * a failure by running it again and crashing at the same call.
 *
 * @param <S> the model of what a crash must preserve, such as {@link PagerState}; immutable
 */
@FunctionalInterface
public interface CrashWorkload<S> {
  /**
   * Runs the workload. Expected failures (injected by a {@link FaultPlan}) are the workload's to
   * handle: report them with {@link CrashContext#failed()} or {@link CrashContext#rolledBack()},
   * then reboot, read back what survived and carry on ({@link ModelWorkload} does this for you).
   * Anything thrown out of here fails the exploration.
   *
   * @param context the storage to work on and the acknowledgement channel
   * @throws Exception when the workload itself breaks
   */
  void run(CrashContext<S> context) throws Exception;
}
