package io.github.pager.core;

/**
 * A page handle made by another pager (another file, or an earlier opening of this one) was
 * passed to this pager.
 */
public final class ForeignPageException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the file or page concerned
   */
  public ForeignPageException(String message) {
    super(message);
  }
}
