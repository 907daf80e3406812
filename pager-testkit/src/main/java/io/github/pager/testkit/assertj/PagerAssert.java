package io.github.pager.testkit.assertj;

import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.TreeReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.AbstractAssert;

/** AssertJ assertions on a {@link Pager}: free count, allocated pages, roots, consistency. */
public final class PagerAssert extends AbstractAssert<PagerAssert, Pager> {

  PagerAssert(Pager actual) {
    super(actual, PagerAssert.class);
  }

  /**
   * Asserts the free page count as of the last commit.
   *
   * @param expected the count
   * @return this
   */
  public PagerAssert hasFreePageCount(long expected) {
    isNotNull();
    if (actual.freePageCount() != expected) {
      failWithMessage("expected %s to have %d free pages, but it has %d", actual, expected, actual.freePageCount());
    }
    return this;
  }

  /**
   * Asserts exactly which user pages are allocated, by index.
   *
   * @param indexes the expected page indexes, in any order
   * @return this
   */
  public PagerAssert hasAllocatedPages(long... indexes) {
    isNotNull();
    long[] expected = indexes.clone();
    Arrays.sort(expected);
    long[] allocated = allocated().stream().mapToLong(PageId::index).toArray();
    if (!Arrays.equals(expected, allocated)) {
      failWithMessage("expected %s to have allocated pages %s, but it has %s",
          actual, Arrays.toString(expected), Arrays.toString(allocated));
    }
    return this;
  }

  /**
   * Asserts how many user pages are allocated.
   *
   * @param expected the count
   * @return this
   */
  public PagerAssert hasAllocatedPageCount(int expected) {
    isNotNull();
    int count = allocated().size();
    if (count != expected) {
      failWithMessage("expected %s to have %d allocated pages, but it has %d", actual, expected, count);
    }
    return this;
  }

  /**
   * Asserts a root value as of the last commit.
   *
   * @param slot the slot
   * @param expected the value
   * @return this
   */
  public PagerAssert hasRoot(int slot, long expected) {
    isNotNull();
    if (actual.root(slot) != expected) {
      failWithMessage("expected root %d of %s to be %d, but it is %d", slot, actual, expected, actual.root(slot));
    }
    return this;
  }

  /**
   * Asserts that {@link Pager#verify()} finds no problem.
   *
   * @return this
   */
  public PagerAssert isConsistent() {
    isNotNull();
    TreeReport report;
    try {
      report = actual.verify();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!report.isClean()) {
      failWithMessage("expected %s to be consistent, but verify() found: %s", actual, report.problems());
    }
    return this;
  }

  private List<PageId> allocated() {
    try {
      return actual.allocatedPages();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
