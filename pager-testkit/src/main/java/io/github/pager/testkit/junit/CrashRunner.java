package io.github.pager.testkit.junit;

import io.github.pager.testkit.CrashCheck;
import io.github.pager.testkit.CrashExploration;
import io.github.pager.testkit.CrashExplorer;
import io.github.pager.testkit.CrashWorkload;

/**
 * Runs the crash explorer for one test, named after it, with the seed from {@code
 * -Dpager.seed} or a fresh one (printed), and fails the test on any violation.
 *
 * <p>Handed to {@link CrashTest} methods by {@link CrashExplorerExtension}.
 */
public final class CrashRunner {
  private final String name;
  private final int randomImages;

  CrashRunner(String name, int randomImages) {
    this.name = name;
    this.randomImages = randomImages;
  }

  /**
   * Returns an explorer configured for this test, to adjust (faults, capacity, OS page size)
   * before exploring or replaying.
   *
   * @param workload what to crash
   * @param check how to judge each post-crash image
   * @param <S> the model
   * @return the explorer
   */
  public <S> CrashExplorer<S> explorer(CrashWorkload<S> workload, CrashCheck<S> check) {
    CrashExplorer<S> explorer = CrashExplorer.of(name, workload, check);
    return randomImages < 0 ? explorer : explorer.withRandomImages(randomImages);
  }

  /**
   * Explores every crash point of the workload and fails the test on any violation.
   *
   * @param workload what to crash
   * @param check how to judge each post-crash image
   * @param <S> the model
   * @return what was checked
   * @throws io.github.pager.testkit.CrashViolation with a replayable report per violation
   */
  public <S> CrashExploration explore(CrashWorkload<S> workload, CrashCheck<S> check) {
    return explorer(workload, check).explore().assertNoViolations();
  }
}
