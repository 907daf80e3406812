package io.github.pager.testkit.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a crash test: a JUnit test whose parameters may be a {@link CrashRunner} (runs the crash
 * explorer and fails the test with a replayable report) or a {@link
 * io.github.pager.testkit.SimulatedStorage} (fresh per test, closed after it).
 *
 * <pre>{@code
 * @CrashTest
 * void myIndexSurvivesPowerLoss(CrashRunner crash) {
 *   crash.explore(new MyIndexWorkload(), new MyIndexCheck());
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@Test
@ExtendWith(CrashExplorerExtension.class)
public @interface CrashTest {
  /**
   * Random torn images per crash point, besides all-old and all-new; negative for the
   * explorer's default (which {@code -Dpager.crash.images} and {@code -Dpager.soak} change).
   *
   * @return the count, or negative
   */
  int randomImages() default -1;
}
