package io.github.pager.core;

/**
 * A page index at or beyond the file's page count.
 */
public final class PageOutOfBoundsException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the file or page concerned
   */
  public PageOutOfBoundsException(String message) {
    super(message);
  }
}
