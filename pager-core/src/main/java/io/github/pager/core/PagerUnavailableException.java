package io.github.pager.core;

/**
 * The pager refuses work because an earlier sync failed: it can no longer say what is durable.
 * Close it. After the machine restarts, opening the file recovers the last durable commit; a
 * reopen in the same boot may see bytes that Linux marked clean without writing them (FORMAT.md,
 * "Commit protocol").
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
