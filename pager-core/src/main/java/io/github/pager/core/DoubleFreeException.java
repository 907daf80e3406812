package io.github.pager.core;

/**
 * A page that is already free was freed again (or listed twice in one bulk free).
 */
public final class DoubleFreeException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the file or page concerned
   */
  public DoubleFreeException(String message) {
    super(message);
  }
}
