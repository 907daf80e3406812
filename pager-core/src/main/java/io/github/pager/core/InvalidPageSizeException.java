package io.github.pager.core;

/**
 * A page size that is not a power of two between the documented minimum and maximum.
 */
public final class InvalidPageSizeException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the file or page concerned
   */
  public InvalidPageSizeException(String message) {
    super(message);
  }
}
