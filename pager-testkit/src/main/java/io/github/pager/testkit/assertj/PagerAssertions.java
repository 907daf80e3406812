package io.github.pager.testkit.assertj;

import io.github.pager.core.MappedPage;
import io.github.pager.core.Pager;

/**
 * Entry point of the kit's AssertJ assertions.
 *
 * <pre>{@code
 * import static io.github.pager.testkit.assertj.PagerAssertions.assertThat;
 *
 * assertThat(pager).isConsistent().hasFreePageCount(12).hasAllocatedPages(3, 4);
 * assertThat(pager.page(id)).hasLongAt(0, 42L);
 * }</pre>
 */
public final class PagerAssertions {
  private PagerAssertions() {}

  /**
   * Starts assertions on a pager.
   *
   * @param actual the pager
   * @return the assertions
   */
  public static PagerAssert assertThat(Pager actual) {
    return new PagerAssert(actual);
  }

  /**
   * Starts assertions on a page's contents.
   *
   * @param actual the page view
   * @return the assertions
   */
  public static PageAssert assertThat(MappedPage actual) {
    return new PageAssert(actual);
  }
}
