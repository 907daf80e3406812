package io.github.pager.core;

/**
 * The pager refuses work because an earlier sync failed: it can no longer say what is durable.
 * Close it and reopen the file, which recovers the last durable commit.
 */
public final class PagerUnavailableException extends PageFileException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the file or page concerned
   */
  public PagerUnavailableException(String message) {
    super(message);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the file or page concerned
   * @param cause the failure underneath
   */
  public PagerUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
