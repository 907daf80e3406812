package io.github.pager.core;

/**
 * A change was asked of a pager opened read-only.
 */
public final class ReadOnlyPagerException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the file or page concerned
   */
  public ReadOnlyPagerException(String message) {
    super(message);
  }
}
