package io.github.pager.testkit.assertj;

import io.github.pager.core.MappedPage;
import java.util.Arrays;
import org.assertj.core.api.AbstractAssert;

/** AssertJ assertions on a page's contents, through its {@link MappedPage} view. */
public final class PageAssert extends AbstractAssert<PageAssert, MappedPage> {

  PageAssert(MappedPage actual) {
    super(actual, PageAssert.class);
  }

  /**
   * Asserts the 64-bit value at an offset.
   *
   * @param offset byte offset in the page
   * @param expected the value
   * @return this
   */
  public PageAssert hasLongAt(long offset, long expected) {
    isNotNull();
    long value = actual.getLong(offset);
    if (value != expected) {
      failWithMessage("expected %s to hold %d at offset %d, but it holds %d", actual, expected, offset, value);
    }
    return this;
  }

  /**
   * Asserts the bytes at an offset.
   *
   * @param offset byte offset in the page
   * @param expected the bytes
   * @return this
   */
  public PageAssert hasBytesAt(long offset, byte[] expected) {
    isNotNull();
    byte[] bytes = new byte[expected.length];
    actual.read(offset, bytes, 0, bytes.length);
    if (!Arrays.equals(bytes, expected)) {
      failWithMessage("expected %s to hold %s at offset %d, but it holds %s",
          actual, Arrays.toString(expected), offset, Arrays.toString(bytes));
    }
    return this;
  }

  /**
   * Asserts that every byte of the page has one value.
   *
   * @param expected the value
   * @return this
   */
  public PageAssert isFilledWith(byte expected) {
    isNotNull();
    byte[] bytes = actual.toByteArray();
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] != expected) {
        failWithMessage("expected %s to be filled with %d, but offset %d holds %d", actual, expected, i, bytes[i]);
      }
    }
    return this;
  }
}
